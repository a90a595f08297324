//! Conditions that show a choice or a line only when something holds:
//! `empathy >= 2`, `visited notes`, `chose apologise`, combined with `not`,
//! `and`, `or` and parentheses. Trainers write them in scenario files as
//! `{if …}`; the player evaluates them against the attempt so far.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Compare {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl Compare {
    fn holds(self, a: i32, b: i32) -> bool {
        match self {
            Compare::Lt => a < b,
            Compare::Le => a <= b,
            Compare::Eq => a == b,
            Compare::Ne => a != b,
            Compare::Ge => a >= b,
            Compare::Gt => a > b,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Compare::Lt => "<",
            Compare::Le => "<=",
            Compare::Eq => "==",
            Compare::Ne => "!=",
            Compare::Ge => ">=",
            Compare::Gt => ">",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    /// The learner's running total in a competency compared with a number.
    Score {
        competency: String,
        compare: Compare,
        value: i32,
    },
    /// The learner has been in this scene earlier in the attempt.
    Visited(String),
    /// The learner picked the choice with this id earlier in the attempt.
    Chose(String),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
}

/// What a condition can ask about an attempt.
pub trait Facts {
    fn score(&self, competency: &str) -> i32;
    fn visited(&self, scene: &str) -> bool;
    fn chose(&self, choice: &str) -> bool;
}

/// A name a condition refers to, for the validator to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference<'a> {
    Competency(&'a str),
    Scene(&'a str),
    Choice(&'a str),
}

impl Condition {
    pub fn holds(&self, facts: &impl Facts) -> bool {
        match self {
            Condition::Score {
                competency,
                compare,
                value,
            } => compare.holds(facts.score(competency), *value),
            Condition::Visited(s) => facts.visited(s),
            Condition::Chose(c) => facts.chose(c),
            Condition::Not(c) => !c.holds(facts),
            Condition::And(a, b) => a.holds(facts) && b.holds(facts),
            Condition::Or(a, b) => a.holds(facts) || b.holds(facts),
        }
    }

    /// Every competency, scene and choice the condition names.
    pub fn references(&self) -> Vec<Reference<'_>> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<Reference<'a>>) {
        match self {
            Condition::Score { competency, .. } => out.push(Reference::Competency(competency)),
            Condition::Visited(s) => out.push(Reference::Scene(s)),
            Condition::Chose(c) => out.push(Reference::Choice(c)),
            Condition::Not(c) => c.collect(out),
            Condition::And(a, b) | Condition::Or(a, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }

    /// Parses a condition. On failure returns the character offset within
    /// `text` where the problem is, and a message.
    ///
    /// The parser recurses once per `(` and `not`, so nesting is limited to
    /// [`MAX_NESTING`] levels, and a condition combines at most
    /// [`MAX_TESTS`] tests; together they bound the depth of the tree that
    /// every later walk (evaluating, listing names, printing, serde) recurses
    /// over, whatever a trainer types.
    pub fn parse(text: &str) -> Result<Condition, (usize, String)> {
        // Read at most MAX_TOKENS (+1, to know there were more): within the
        // limits no condition needs more, and the limits themselves are
        // then reported where they are crossed.
        let (tokens, cut_at) = tokenize(text, MAX_TOKENS + 1)?;
        let truncated = tokens.len() > MAX_TOKENS;
        let tokens = &tokens[..tokens.len().min(MAX_TOKENS)];
        let too_long = || {
            (
                cut_at,
                format!("a condition may be at most {MAX_TOKENS} words and symbols long"),
            )
        };
        let mut p = ConditionParser {
            tokens,
            at: 0,
            end: if truncated {
                cut_at
            } else {
                text.chars().count()
            },
            depth: 0,
            tests: 0,
        };
        let c = match p.or() {
            Ok(c) => c,
            Err((pos, _)) if truncated && pos >= cut_at => return Err(too_long()),
            Err(e) => return Err(e),
        };
        if let Some(t) = p.tokens.get(p.at) {
            return Err((t.pos, format!("unexpected `{}`", t.text)));
        }
        if truncated {
            return Err(too_long());
        }
        Ok(c)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Score {
                competency,
                compare,
                value,
            } => write!(f, "{competency} {} {value}", compare.symbol()),
            Condition::Visited(s) => write!(f, "visited {s}"),
            Condition::Chose(c) => write!(f, "chose {c}"),
            Condition::Not(c) => write!(f, "not ({c})"),
            Condition::And(a, b) => write!(f, "({a}) and ({b})"),
            Condition::Or(a, b) => write!(f, "({a}) or ({b})"),
        }
    }
}

/// How deeply `(` and `not` may nest in one condition.
pub const MAX_NESTING: usize = 16;
/// How many tests (`empathy >= 2`, `visited x`, `chose y`) one condition may combine.
pub const MAX_TESTS: usize = 32;
/// The most words and symbols read in one condition.
pub const MAX_TOKENS: usize = 512;

#[derive(Debug)]
struct Token {
    text: String,
    /// Character offset in the condition text.
    pos: usize,
}

/// The tokens of a condition, at most `limit` of them, and the character
/// offset where reading stopped.
fn tokenize(text: &str, limit: usize) -> Result<(Vec<Token>, usize), (usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if out.len() >= limit {
            return Ok((out, i));
        }
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            out.push(Token {
                text: c.to_string(),
                pos: i,
            });
            i += 1;
        } else if "<>=!".contains(c) {
            let start = i;
            while i < chars.len() && "<>=!".contains(chars[i]) {
                i += 1;
            }
            out.push(Token {
                text: chars[start..i].iter().collect(),
                pos: start,
            });
        } else if c.is_alphanumeric() || c == '-' || c == '_' || c == '+' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '-' || chars[i] == '_')
                || (i == start && chars[i] == '+')
            {
                i += 1;
            }
            out.push(Token {
                text: chars[start..i].iter().collect(),
                pos: start,
            });
        } else {
            return Err((i, format!("unexpected character `{c}` in the condition")));
        }
    }
    Ok((out, i))
}

struct ConditionParser<'a> {
    tokens: &'a [Token],
    at: usize,
    end: usize,
    /// `(` and `not` levels open at this point.
    depth: usize,
    /// Tests read so far.
    tests: usize,
}

impl ConditionParser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|t| t.text.as_str())
    }

    fn pos(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.pos)
    }

    fn next(&mut self, expected: &str) -> Result<&Token, (usize, String)> {
        let pos = self.pos();
        let t = self.tokens.get(self.at).ok_or((
            pos,
            format!("the condition ends where {expected} was expected"),
        ))?;
        self.at += 1;
        Ok(t)
    }

    fn or(&mut self) -> Result<Condition, (usize, String)> {
        let mut left = self.and()?;
        while self.peek() == Some("or") {
            self.at += 1;
            let right = self.and()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, (usize, String)> {
        let mut left = self.unary()?;
        while self.peek() == Some("and") {
            self.at += 1;
            let right = self.unary()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// Enters one more level of `(` or `not`, refusing past the limit.
    fn nest(&mut self) -> Result<(), (usize, String)> {
        if self.depth >= MAX_NESTING {
            return Err((
                self.pos(),
                format!("conditions may nest at most {MAX_NESTING} levels"),
            ));
        }
        self.depth += 1;
        self.at += 1;
        Ok(())
    }

    fn unary(&mut self) -> Result<Condition, (usize, String)> {
        match self.peek() {
            Some("not") => {
                self.nest()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Condition::Not(Box::new(inner)))
            }
            Some("(") => {
                self.nest()?;
                let inner = self.or()?;
                self.depth -= 1;
                let pos = self.pos();
                match self.peek() {
                    Some(")") => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err((pos, "a `(` is not closed with `)`".into())),
                }
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<Condition, (usize, String)> {
        if self.tests >= MAX_TESTS {
            return Err((
                self.pos(),
                format!("a condition may combine at most {MAX_TESTS} tests"),
            ));
        }
        self.tests += 1;
        let first = self.next("a competency, `visited` or `chose`")?;
        let (word, pos) = (first.text.clone(), first.pos);
        if !is_name(&word) {
            return Err((
                pos,
                format!("expected a competency, `visited` or `chose`, found `{word}`"),
            ));
        }
        match word.as_str() {
            "visited" | "chose" => {
                let what = if word == "visited" {
                    "a scene id"
                } else {
                    "a choice id"
                };
                let t = self.next(what)?;
                if !is_name(&t.text) {
                    return Err((t.pos, format!("expected {what}, found `{}`", t.text)));
                }
                let name = t.text.clone();
                Ok(if word == "visited" {
                    Condition::Visited(name)
                } else {
                    Condition::Chose(name)
                })
            }
            _ => {
                let op = self.next("a comparison such as `>=`")?;
                let compare = match op.text.as_str() {
                    "<" => Compare::Lt,
                    "<=" => Compare::Le,
                    "=" | "==" => Compare::Eq,
                    "!=" => Compare::Ne,
                    ">=" => Compare::Ge,
                    ">" => Compare::Gt,
                    other => {
                        return Err((
                            op.pos,
                            format!(
                                "expected a comparison (<, <=, ==, !=, >=, >) after `{word}`, found `{other}`"
                            ),
                        ))
                    }
                };
                let n = self.next("a number")?;
                let value = n
                    .text
                    .parse::<i32>()
                    .map_err(|_| (n.pos, format!("expected a number, found `{}`", n.text)))?;
                Ok(Condition::Score {
                    competency: word,
                    compare,
                    value,
                })
            }
        }
    }
}

/// Ids of scenes, choices and competencies: letters, digits, `-` and `_`.
pub fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !matches!(s, "and" | "or" | "not")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct F;
    impl Facts for F {
        fn score(&self, c: &str) -> i32 {
            if c == "empathy" {
                3
            } else {
                0
            }
        }
        fn visited(&self, s: &str) -> bool {
            s == "notes"
        }
        fn chose(&self, c: &str) -> bool {
            c == "apologise"
        }
    }

    fn eval(s: &str) -> bool {
        Condition::parse(s).unwrap().holds(&F)
    }

    #[test]
    fn evaluates_scores_visits_choices_and_logic() {
        assert!(eval("empathy >= 2"));
        assert!(!eval("empathy < 3"));
        assert!(eval("empathy == 3 and visited notes"));
        assert!(eval("honesty > 0 or chose apologise"));
        assert!(eval("not visited start"));
        assert!(!eval("not (visited notes or honesty > 0)"));
        assert!(eval("ownership >= -1"));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        // false and false or true == (false and false) or true
        assert!(eval("honesty > 0 and visited nowhere or chose apologise"));
    }

    #[test]
    fn references_list_every_name() {
        let c = Condition::parse("empathy > 1 and (visited notes or not chose x)").unwrap();
        assert_eq!(
            c.references(),
            vec![
                Reference::Competency("empathy"),
                Reference::Scene("notes"),
                Reference::Choice("x"),
            ]
        );
    }

    #[test]
    fn errors_point_at_the_character() {
        assert_eq!(Condition::parse("empathy => 2").unwrap_err().0, 8);
        assert_eq!(Condition::parse("empathy >= two").unwrap_err().0, 11);
        assert_eq!(Condition::parse("visited").unwrap_err().0, 7);
        assert_eq!(Condition::parse("(visited a").unwrap_err().0, 10);
        assert_eq!(Condition::parse("visited a b").unwrap_err().0, 10);
        assert_eq!(Condition::parse("empathy > 1 ; x").unwrap_err().0, 12);
        assert!(Condition::parse("").is_err());
    }

    #[test]
    fn nesting_and_length_are_bounded_with_a_position() {
        // Deep enough to overflow any stack if the parser simply recursed.
        let deep = format!("{}visited a", "(".repeat(300_000));
        let (at, msg) = Condition::parse(&deep).unwrap_err();
        assert_eq!(
            (at, msg.as_str()),
            (16, "conditions may nest at most 16 levels")
        );
        let long = vec!["visited a"; 300].join(" or not ");
        let (_, msg) = Condition::parse(&long).unwrap_err();
        assert_eq!(msg, "a condition may combine at most 32 tests");
        let wide = format!("visited a{}", " )".repeat(600));
        assert!(Condition::parse(&wide)
            .unwrap_err()
            .1
            .contains("unexpected `)`"));
        let words = format!("visited a and ({}visited b)", "not ".repeat(15)).repeat(40);
        assert!(Condition::parse(&words).is_err());
        let nots = format!("{}visited a", "not ".repeat(17));
        let (at, msg) = Condition::parse(&nots).unwrap_err();
        assert_eq!(
            (at, msg.as_str()),
            (64, "conditions may nest at most 16 levels")
        );
        let ok = format!("{}visited a{}", "(".repeat(16), ")".repeat(16));
        assert!(Condition::parse(&ok).is_ok());
        let many = vec!["visited a"; 33].join(" or ");
        let (_, msg) = Condition::parse(&many).unwrap_err();
        assert_eq!(msg, "a condition may combine at most 32 tests");
        let c = Condition::parse(&vec!["visited notes"; 32].join(" and ")).unwrap();
        // Every walk of the largest tree stays shallow.
        assert!(c.holds(&F) && c.references().len() == 32 && !c.to_string().is_empty());
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Condition>(&json).unwrap(), c);
    }
}
