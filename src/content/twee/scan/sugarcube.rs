//! SugarCube: `<<name args>>` macros and their `<</name>>` containers.

use super::words::*;
use super::{find_near, Choice, Level, Piece, Scanner, Target};

impl Scanner<'_> {
    pub(super) fn sugarcube(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base, depth) = (lv.s, lv.base, lv.depth);
        let out = &mut *lv.out;
        let plain = &mut lv.plain;
        let close = find_near(&s[i + 2..], ">>").map(|e| i + 2 + e)?;
        let inner = &s[i + 2..close];
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || *c == '/')
            .collect();
        if name.is_empty() {
            return None;
        }
        Self::push_text(out, &s[*plain..i]);
        let args = inner[name.len()..].trim();
        let at = base + i;
        let head_end = close + 2;
        let lname = name.to_lowercase();
        // Container macros: their body runs to the matching `<</name>>`.
        let container = matches!(
            lname.as_str(),
            "link"
                | "button"
                | "if"
                | "nobr"
                | "silently"
                | "linkappend"
                | "linkprepend"
                | "linkreplace"
                | "append"
                | "prepend"
                | "replace"
                | "span"
                | "do"
                | "type"
        );
        let gave_up = self.unclosed.borrow().get(&lname).is_some_and(|n| *n >= 8);
        let (body, after) = if container && !gave_up {
            match closing(s, head_end, &lname) {
                Some((be, ae)) => ((head_end, be), ae),
                None => {
                    *self.unclosed.borrow_mut().entry(lname.clone()).or_default() += 1;
                    ((head_end, head_end), head_end)
                }
            }
        } else {
            ((head_end, head_end), head_end)
        };
        let body_pieces = |this: &Self| {
            let mut v = Vec::new();
            if body.1 > body.0 {
                this.scan_into(&s[body.0..body.1], base + body.0, depth + 1, &mut v);
            }
            v
        };
        let choice = |label: String, target: Target, effects, feedback, auto: bool| {
            if auto {
                Choice::auto(target, at)
            } else {
                Choice::revealing(label, target, (feedback, effects), at)
            }
        };
        match lname.as_str() {
            "link" | "button" | "linkreplace" | "linkappend" | "linkprepend" => {
                let bodyp = body_pieces(self);
                let (feedback, effects) = feedback_of(&bodyp);
                let (label, target) = if args.starts_with("[[") {
                    let e = args.find("]]").unwrap_or(args.len());
                    let (l, t, _) = link_parts(&args[2..e.max(2)]);
                    (l, Some(Target::Passage(t)))
                } else {
                    let a = strings(args);
                    match a.as_slice() {
                        [l, t, ..] => (l.clone(), Some(Target::Passage(clean_name(t)))),
                        [l] => (l.clone(), None),
                        [] => ("Continue".into(), None),
                    }
                };
                let target = target.or_else(|| {
                    bodyp.iter().find_map(|p| match p {
                        Piece::Choice(c) if c.auto => Some(c.target.clone()),
                        _ => None,
                    })
                });
                match target {
                    Some(t) => out.push(choice(label, t, effects, feedback, false)),
                    None => {
                        Self::push_text(out, &label);
                        Self::push_text(out, " ");
                        out.extend(bodyp);
                    }
                }
            }
            "goto" => {
                let t = if args.starts_with("[[") {
                    let e = args.find("]]").unwrap_or(args.len());
                    Some(link_parts(&args[2..e.max(2)]).1)
                } else {
                    strings(args).into_iter().next()
                };
                match t {
                    Some(t) => out.push(choice(
                        "Continue".into(),
                        Target::Passage(clean_name(&t)),
                        Vec::new(),
                        String::new(),
                        true,
                    )),
                    None => out.push(Piece::Note(s[i..head_end].to_owned(), at)),
                }
            }
            "choice" => {
                if args.starts_with("[[") {
                    let e = args.find("]]").unwrap_or(args.len());
                    let (l, t, _) = link_parts(&args[2..e.max(2)]);
                    out.push(choice(
                        l,
                        Target::Passage(t),
                        Vec::new(),
                        String::new(),
                        false,
                    ));
                } else {
                    // `<<choice "passage" "text">>`, or SugarCube 1's
                    // `<<choice Passage "text">>` with the passage unquoted.
                    let (t, l) = if args.starts_with(['"', '\'']) {
                        let a = strings(args);
                        match a.as_slice() {
                            [t, l, ..] => (t.clone(), l.clone()),
                            [t] => (t.clone(), t.clone()),
                            [] => (args.to_owned(), args.to_owned()),
                        }
                    } else {
                        let (t, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
                        let l = strings(rest)
                            .into_iter()
                            .next()
                            .unwrap_or_else(|| t.to_owned());
                        (t.to_owned(), l)
                    };
                    out.push(choice(
                        l,
                        Target::Passage(clean_name(&t)),
                        Vec::new(),
                        String::new(),
                        false,
                    ));
                }
            }
            "actions" | "click" => {
                let mut rest = args;
                let mut any = false;
                while let Some(st) = rest.find("[[") {
                    let Some(e) = rest[st..].find("]]") else {
                        break;
                    };
                    let (l, t, _) = link_parts(&rest[st + 2..st + e]);
                    out.push(choice(
                        l,
                        Target::Passage(t),
                        Vec::new(),
                        String::new(),
                        false,
                    ));
                    any = true;
                    rest = &rest[st + e + 2..];
                }
                if !any {
                    for t in strings(args) {
                        out.push(choice(
                            t.clone(),
                            Target::Passage(clean_name(&t)),
                            Vec::new(),
                            String::new(),
                            false,
                        ));
                    }
                }
            }
            "back" | "return" => {
                let label = strings(args).into_iter().next().unwrap_or_else(|| {
                    if lname == "back" {
                        "Go back".into()
                    } else {
                        "Return".into()
                    }
                });
                out.push(choice(
                    label,
                    Target::Back,
                    Vec::new(),
                    String::new(),
                    false,
                ));
            }
            "restart" => {
                out.push(choice(
                    "Start again".into(),
                    Target::Restart,
                    Vec::new(),
                    String::new(),
                    false,
                ));
            }
            "set" | "run" => {
                for a in split_top(args, ';')
                    .into_iter()
                    .flat_map(|a| split_top(a, ','))
                {
                    match numeric_change(a) {
                        Some((v, n)) => out.push(Piece::Effect(v, n, at)),
                        None if !a.trim().is_empty() => {
                            out.push(Piece::Note(format!("<<{lname} {}>>", a.trim()), at))
                        }
                        None => {}
                    }
                }
            }
            "if" => {
                // Branches: `<<elseif …>>` and `<<else>>` split the body.
                let (bs, be) = body;
                let mut branches: Vec<(Option<String>, bool, usize, usize)> = Vec::new();
                let mut cond = condition(args);
                let mut ok = cond.is_some();
                let mut prev: Vec<String> = cond.iter().cloned().collect();
                let mut from = bs;
                let mut depth_if = 0usize;
                let mut k = bs;
                while k < be {
                    if s[k..].starts_with("<<if") {
                        depth_if += 1;
                    } else if s[k..].starts_with("<</if>>") {
                        depth_if = depth_if.saturating_sub(1);
                    } else if depth_if == 0
                        && (s[k..].starts_with("<<elseif")
                            || s[k..].starts_with("<<else>>")
                            || s[k..].starts_with("<<else "))
                    {
                        let tag_end = s[k..].find(">>").map_or(be, |e| k + e + 2);
                        branches.push((cond.clone(), ok, from, k));
                        let is_elseif = s[k..].starts_with("<<elseif");
                        let c = if is_elseif && ok {
                            condition(&s[k + 8..tag_end - 2])
                        } else {
                            None
                        };
                        // A branch is taken when its own condition holds and
                        // none before it did: the earlier branches' own
                        // conditions, not their joined ones (which doubled
                        // in length with every `elseif`). Once a branch
                        // cannot be translated, the later ones cannot be.
                        cond = if ok {
                            let negs = prev.iter().map(|p| negate(p));
                            match (is_elseif, &c) {
                                (true, Some(c)) => bounded(
                                    std::iter::once(c.clone())
                                        .chain(negs)
                                        .collect::<Vec<_>>()
                                        .join(" and "),
                                ),
                                (false, _) if !prev.is_empty() => {
                                    bounded(negs.collect::<Vec<_>>().join(" and "))
                                }
                                _ => None,
                            }
                        } else {
                            None
                        };
                        ok = ok && cond.is_some();
                        if let Some(c) = c {
                            prev.push(c);
                        }
                        from = tag_end;
                        k = tag_end;
                        continue;
                    }
                    k += s[k..].chars().next().map_or(1, char::len_utf8);
                }
                branches.push((cond, ok, from, be));
                for (c, ok, f, t) in branches {
                    let mut v = Vec::new();
                    self.scan_into(&s[f..t], base + f, depth + 1, &mut v);
                    match c.filter(|_| ok) {
                        Some(c) => out.push(Piece::Cond(c, v, base + f)),
                        None => {
                            out.push(Piece::Note(format!("<<if {args}>> branch"), at));
                            out.extend(v);
                        }
                    }
                }
            }
            "nobr" | "silently" | "span" | "do" | "type" | "append" | "prepend" | "replace" => {
                out.push(Piece::Stripped("styling macros"));
                out.extend(body_pieces(self));
            }
            n if n.starts_with('/') => out.push(Piece::Stripped("styling macros")),
            _ => out.push(Piece::Note(s[i..head_end].to_owned(), at)),
        }
        *plain = after;
        Some(after)
    }
}

/// `<</name>>` matching a container opened before `from`, with nesting:
/// (end of body, end after the closing tag).
pub(super) fn closing(s: &str, from: usize, name: &str) -> Option<(usize, usize)> {
    let open = format!("<<{name}");
    let close = format!("<</{name}>>");
    let mut depth = 1usize;
    let mut k = from;
    loop {
        let next_close = s[k..].find(&close).map(|e| k + e)?;
        let next_open = s[k..next_close]
            .find(&open)
            .map(|e| k + e)
            .filter(|&o| s[o + open.len()..].starts_with([' ', '>']));
        match next_open {
            Some(o) => {
                depth += 1;
                k = o + open.len();
            }
            None => {
                depth -= 1;
                if depth == 0 {
                    return Some((next_close, next_close + close.len()));
                }
                k = next_close + close.len();
            }
        }
    }
}
