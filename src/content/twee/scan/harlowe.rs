//! Harlowe: `(name: args)[hook]` macros.

use super::words::*;
use super::{Choice, Level, Piece, Scanner, Target};

/// Harlowe macro names ignore case, `-` and `_`.
pub(super) fn harlowe_name(n: &str) -> String {
    n.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

const STYLE_MACROS: &[&str] = &[
    "textcolour",
    "textcolor",
    "colour",
    "color",
    "font",
    "align",
    "css",
    "textstyle",
    "transition",
    "t8n",
    "transitiontime",
    "t8ntime",
    "background",
    "bg",
    "textsize",
    "size",
    "hoverstyle",
    "textrotate",
    "opacity",
    "transitiondelay",
    "t8ndelay",
    "transitionskip",
    "transitiondepart",
    "transitionarrive",
    "box",
    "float",
    "border",
    "bordercolour",
    "b4r",
    "cornerradius",
    "hidden",
    "nobr",
];

impl Scanner<'_> {
    pub(super) fn harlowe(&self, lv: &mut Level<'_, '_>, i: usize) -> Option<usize> {
        let (s, base, depth) = (lv.s, lv.base, lv.depth);
        let out = &mut *lv.out;
        let plain = &mut lv.plain;
        let last_if = &mut lv.last_if;
        let name_len = s[i + 1..]
            .bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
            .count();
        if name_len == 0 || !s[i + 1 + name_len..].starts_with(':') {
            return None;
        }
        let close = self.matching(s, i, b'(', b')', true)?;
        Self::push_text(out, &s[*plain..i]);
        let name = harlowe_name(&s[i + 1..i + 1 + name_len]);
        let args = &s[i + 2 + name_len..close - 1];
        let hook = self.hook_after(s, close);
        let after = hook.map_or(close, |(_, e)| e + 1);
        let at = base + i;
        let hook_pieces = || {
            let mut inner = Vec::new();
            if let Some((hs, he)) = hook {
                self.scan_into(&s[hs..he], base + hs, depth + 1, &mut inner);
            }
            inner
        };
        match name.as_str() {
            "linkgoto" | "clickgoto" | "linkrevealgoto" => {
                let a = strings(args);
                let (label, target) = match a.as_slice() {
                    [t] => (t.clone(), t.clone()),
                    [l, t, ..] => (l.clone(), t.clone()),
                    [] => {
                        out.push(Piece::Note(
                            format!("({}{args})", &s[i + 1..i + 2 + name_len]),
                            at,
                        ));
                        *plain = close;
                        return Some(close);
                    }
                };
                let inner = hook_pieces();
                out.push(Choice::revealing(
                    label,
                    Target::Passage(clean_name(&target)),
                    feedback_of(&inner),
                    at,
                ));
            }
            "goto" | "redirect" => {
                let a = strings(args);
                match a.first() {
                    Some(t) => out.push(Choice::auto(Target::Passage(clean_name(t)), at)),
                    None => out.push(Piece::Note(s[i..close].to_owned(), at)),
                }
                *plain = close;
                return Some(close);
            }
            "link" | "linkreveal" | "linkrepeat" | "linkrerun" | "click" | "clickreplace"
            | "linkreplace" => {
                let label = strings(args)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| "Continue".into());
                let inner = hook_pieces();
                // A link whose hook moves on is a choice; one that only
                // reveals text keeps the text.
                if let Some(target) = inner.iter().find_map(|p| match p {
                    Piece::Choice(c) if c.auto => Some(c.target.clone()),
                    _ => None,
                }) {
                    out.push(Choice::revealing(label, target, feedback_of(&inner), at));
                } else {
                    Self::push_text(out, &label);
                    Self::push_text(out, " ");
                    out.extend(inner);
                }
            }
            "set" | "put" | "move" => {
                for a in split_top(args, ',') {
                    let a = if name == "put" {
                        // `(put: it + 1 into $x)` reads the other way round.
                        match a.split_once(" into ") {
                            Some((v, var)) => format!("{} to {}", var.trim(), v.trim()),
                            None => a.to_owned(),
                        }
                    } else {
                        a.to_owned()
                    };
                    match numeric_change(&a) {
                        Some((v, n)) => out.push(Piece::Effect(v, n, at)),
                        None => out.push(Piece::Note(format!("({name}: {})", a.trim()), at)),
                    }
                }
            }
            "if" | "unless" | "elseif" | "else" => {
                let translated = match name.as_str() {
                    "if" => condition(args),
                    "unless" => condition(args).map(|c| negate(&c)),
                    "elseif" => match (last_if.as_ref(), condition(args)) {
                        (Some(prev), Some(c)) => bounded(format!("({c}) and not ({prev})")),
                        _ => None,
                    },
                    _ => last_if.as_ref().map(|p| negate(p)),
                };
                let inner = hook_pieces();
                match &translated {
                    Some(c) => out.push(Piece::Cond(c.clone(), inner, at)),
                    None => {
                        out.push(Piece::Note(format!("({name}:{args})"), at));
                        out.extend(inner);
                    }
                }
                *last_if = match (name.as_str(), translated) {
                    ("if" | "unless", c) => c,
                    ("elseif", Some(c)) => last_if
                        .as_ref()
                        .and_then(|p| bounded(format!("({c}) or ({p})"))),
                    _ => None,
                };
            }
            n if STYLE_MACROS.contains(&n) => {
                out.push(Piece::Stripped("styling macros"));
                let inner = hook_pieces();
                out.extend(inner);
            }
            _ => {
                out.push(Piece::Note(s[i..close].to_owned(), at));
                let inner = hook_pieces();
                out.extend(inner);
            }
        }
        *plain = after;
        Some(after)
    }
}
