//! Head-end filter patterns; see [`Pattern`].

use core::{fmt, str::FromStr};

use crate::{ObisCode, ParseError, ParseErrorKind, ValueGroup, letter_code};

/// The set of values one value group of a [`Pattern`] accepts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
struct ValueSet([u64; 4]);

impl ValueSet {
    const ANY: Self = Self([u64::MAX; 4]);

    fn insert_range(&mut self, lo: u8, hi: u8) {
        for v in lo..=hi {
            let (word, bit) = (usize::from(v >> 6), v & 63);
            if let Some(w) = self.0.get_mut(word) {
                *w |= 1 << bit;
            }
        }
    }

    fn contains(&self, v: u8) -> bool {
        let (word, bit) = (usize::from(v >> 6), v & 63);
        self.0.get(word).is_some_and(|w| (w >> bit) & 1 == 1)
    }

    const fn is_any(&self) -> bool {
        self.0[0] == u64::MAX
            && self.0[1] == u64::MAX
            && self.0[2] == u64::MAX
            && self.0[3] == u64::MAX
    }
}

/// OBIS code patterns for head-end filters: `1-0:*.8.*`, `1-0:1..4.8.0`, `0-0:99.98.0,1,4`.
///
/// A pattern is written like a code in one of the full text forms (`A-B:C.D.E*F`,
/// `A-B:C.D.E.F`, `A.B.C.D.E.F`, or `A-B:C.D.E` with F = 255), where each value group may be
/// a value, `*` (any value), a range `lo..hi` (inclusive) or a comma-separated list of those;
/// letter codes (`C`, `F`, `L`, `P`) work in groups C and D as in codes. A `*` where a value
/// group starts is a wildcard; a `*` after a value is the separator before F, so "any F" is
/// written `1-0:1.8.0**` or `1-0:1.8.0.*`.
///
/// A pattern compiles once into a 256-bit set per value group; [`Pattern::matches`] is six bit
/// tests and never allocates.
///
/// ```
/// use obis::{ObisCode, Pattern};
/// let energy: Pattern = "1-0:*.8.*".parse().unwrap();
/// assert!(energy.matches(ObisCode::new(1, 0, 2, 8, 1, 255)));
/// assert!(!energy.matches(ObisCode::new(1, 0, 2, 7, 0, 255)));
/// assert!(!energy.matches(ObisCode::new(1, 0, 2, 8, 1, 3))); // F defaults to 255
///
/// let reactive: Pattern = "1-0:5..8,3.8.0.*".parse().unwrap();
/// assert!(reactive.matches(ObisCode::new(1, 0, 7, 8, 0, 12)));
/// assert!(!reactive.matches(ObisCode::new(1, 0, 4, 8, 0, 255)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pattern {
    groups: [ValueSet; 6],
}

impl Pattern {
    /// A pattern that matches exactly one code.
    #[must_use]
    pub fn exact(code: ObisCode) -> Self {
        let mut groups = [ValueSet::default(); 6];
        for (set, v) in groups.iter_mut().zip(code.to_bytes()) {
            set.insert_range(v, v);
        }
        Self { groups }
    }

    /// Whether `code` matches the pattern.
    #[must_use]
    pub fn matches(&self, code: ObisCode) -> bool {
        self.groups
            .iter()
            .zip(code.to_bytes())
            .all(|(set, v)| set.contains(v))
    }

    /// Whether value group `group` accepts `value`.
    #[must_use]
    pub fn accepts(&self, group: ValueGroup, value: u8) -> bool {
        self.groups
            .get(group as usize)
            .is_some_and(|set| set.contains(value))
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({self})")
    }
}

/// Prints the pattern in the canonical form, each group as `*`, a value, a range or a list.
impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (set, sep) in self.groups.iter().zip(["-", ":", ".", ".", "*", ""]) {
            write_set(f, set)?;
            f.write_str(sep)?;
        }
        Ok(())
    }
}

fn write_set(f: &mut fmt::Formatter<'_>, set: &ValueSet) -> fmt::Result {
    if set.is_any() {
        return f.write_str("*");
    }
    let mut first = true;
    let mut v: u16 = 0;
    while v <= 255 {
        // `v` <= 255 inside the loop.
        let byte = v as u8;
        if !set.contains(byte) {
            v += 1;
            continue;
        }
        let mut end = byte;
        while end < 255 && set.contains(end + 1) {
            end += 1;
        }
        if !first {
            f.write_str(",")?;
        }
        first = false;
        if end == byte {
            write!(f, "{byte}")?;
        } else {
            write!(f, "{byte}..{end}")?;
        }
        v = u16::from(end) + 1;
    }
    if first {
        // An empty set cannot come out of the parser; print something that does not parse.
        f.write_str("{}")?;
    }
    Ok(())
}

/// Parses one value (number or letter code) at the start of `s`; returns it and the bytes used.
fn value(s: &[u8], group: ValueGroup, offset: usize) -> Result<(u8, usize), ParseError> {
    let err = |kind, at| ParseError::new(kind, Some(group), at);
    match s.first() {
        Some(b) if b.is_ascii_digit() => {
            let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
            let v = s
                .get(..digits)
                .unwrap_or_default()
                .iter()
                .fold(0u32, |acc, b| {
                    acc.saturating_mul(10).saturating_add(u32::from(b - b'0'))
                });
            let v = u8::try_from(v).map_err(|_| err(ParseErrorKind::OutOfRange(v), offset))?;
            Ok((v, digits))
        }
        None | Some(b'-' | b':' | b'.' | b'*' | b',') => {
            Err(err(ParseErrorKind::MissingValue, offset))
        }
        Some(b) if b.is_ascii_alphabetic() => {
            let c = char::from(*b);
            match letter_code(c) {
                None => Err(err(ParseErrorKind::UnknownLetter(c), offset)),
                Some(_) if !matches!(group, ValueGroup::C | ValueGroup::D) => {
                    Err(err(ParseErrorKind::LetterNotAllowed(c), offset))
                }
                Some(v) => Ok((v, 1)),
            }
        }
        Some(b) => Err(err(ParseErrorKind::UnexpectedChar(char::from(*b)), offset)),
    }
}

/// Parses one group's items (`*`, `v`, `lo..hi`, lists) up to its separator.
/// Returns the set and the number of bytes used.
fn group(s: &[u8], group: ValueGroup, offset: usize) -> Result<(ValueSet, usize), ParseError> {
    let mut set = ValueSet::default();
    let mut pos = 0;
    loop {
        let rest = s.get(pos..).unwrap_or_default();
        if rest.first() == Some(&b'*') {
            set = ValueSet::ANY;
            pos += 1;
        } else {
            let (lo, used) = value(rest, group, offset + pos)?;
            pos += used;
            let mut hi = lo;
            if s.get(pos..pos + 2) == Some(b"..") {
                let (v, used) = value(
                    s.get(pos + 2..).unwrap_or_default(),
                    group,
                    offset + pos + 2,
                )?;
                if v < lo {
                    return Err(ParseError::new(
                        ParseErrorKind::ReversedRange { from: lo, to: v },
                        Some(group),
                        offset + pos,
                    ));
                }
                hi = v;
                pos += 2 + used;
            }
            set.insert_range(lo, hi);
        }
        if s.get(pos) == Some(&b',') {
            pos += 1;
        } else {
            return Ok((set, pos));
        }
    }
}

impl FromStr for Pattern {
    type Err = ParseError;

    /// Compiles a pattern; see [`Pattern`] for the syntax.
    ///
    /// # Errors
    /// [`ParseError`] naming the group and offset of the problem.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim_start();
        let base = text.len() - trimmed.len();
        let bytes = trimmed.trim_end().as_bytes();
        if bytes.is_empty() {
            return Err(ParseError::new(ParseErrorKind::Empty, None, 0));
        }
        // Try each full form: the separators that follow groups A..E.
        const FORMS: [&[u8]; 4] = [b"-:..*", b"-:...", b".....", b"-:.."];
        let mut first_error = None;
        for form in FORMS {
            match parse_form(bytes, base, form) {
                Ok(groups) => return Ok(Self { groups }),
                Err(e) => {
                    // Report the error of the form that got furthest.
                    if first_error.is_none_or(|f: ParseError| e.offset() > f.offset()) {
                        first_error = Some(e);
                    }
                }
            }
        }
        Err(first_error.unwrap_or(ParseError::new(ParseErrorKind::UnknownForm, None, base)))
    }
}

fn parse_form(bytes: &[u8], base: usize, seps: &[u8]) -> Result<[ValueSet; 6], ParseError> {
    let mut groups = [ValueSet::default(); 6];
    groups[5].insert_range(255, 255);
    let mut pos = 0;
    for (i, g) in ValueGroup::ALL.into_iter().enumerate() {
        if i > seps.len() {
            break;
        }
        let (set, used) = group(bytes.get(pos..).unwrap_or_default(), g, base + pos)?;
        if let Some(slot) = groups.get_mut(i) {
            *slot = set;
        }
        pos += used;
        match seps.get(i) {
            Some(&sep) => {
                if bytes.get(pos) != Some(&sep) {
                    return Err(match bytes.get(pos) {
                        None => ParseError::new(ParseErrorKind::UnknownForm, None, base + pos),
                        Some(&b) if b"-:.*".contains(&b) => {
                            ParseError::new(ParseErrorKind::UnknownForm, None, base + pos)
                        }
                        Some(&b) => ParseError::new(
                            ParseErrorKind::UnexpectedChar(char::from(b)),
                            Some(g),
                            base + pos,
                        ),
                    });
                }
                pos += 1;
            }
            None => {
                if let Some(&b) = bytes.get(pos) {
                    let kind = if b"-:.*".contains(&b) {
                        ParseErrorKind::TooManyGroups
                    } else {
                        ParseErrorKind::UnexpectedChar(char::from(b))
                    };
                    return Err(ParseError::new(kind, None, base + pos));
                }
            }
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::prelude::rust_2024::*;

    fn pat(s: &str) -> Pattern {
        s.parse().unwrap_or_else(|e| std::panic!("{s}: {e}"))
    }

    fn code(s: &str) -> ObisCode {
        s.parse().unwrap()
    }

    #[test]
    fn wildcards_ranges_lists() {
        let p = pat("1-0:*.8.*");
        assert!(p.matches(code("1-0:1.8.0")));
        assert!(p.matches(code("1-0:2.8.4")));
        assert!(!p.matches(code("1-0:2.8.4*1")));
        assert!(!p.matches(code("1-1:2.8.4")));
        let p = pat("1-0:1..4.8.0");
        for c in 1..=4 {
            assert!(p.matches(ObisCode::new(1, 0, c, 8, 0, 255)));
        }
        assert!(!p.matches(code("1-0:5.8.0")));
        let p = pat("0-0:99.98.0,1,4..5");
        for e in [0, 1, 4, 5] {
            assert!(p.matches(ObisCode::new(0, 0, 99, 98, e, 255)));
        }
        assert!(!p.matches(ObisCode::new(0, 0, 99, 98, 2, 255)));
        let any_f = pat("1-0:1.8.0**");
        assert!(any_f.matches(code("1-0:1.8.0*7")) && any_f.matches(code("1-0:1.8.0")));
        assert_eq!(pat("1-0:1.8.0.*"), any_f);
        assert_eq!(pat("1.0.1.8.0.*"), any_f);
        assert_eq!(pat("0-0:C.1.0"), Pattern::exact(code("0-0:96.1.0")));
        assert_eq!(pat("*-*:*.*.*.*"), pat("*.*.*.*.*.*"));
        assert!(pat("*-*:*.*.*.*").matches(code("200-3:4.5.6*7")));
    }

    #[test]
    fn display() {
        assert_eq!(pat("1-0:*.8.*").to_string(), "1-0:*.8.**255");
        assert_eq!(
            pat("1-0:1..4,7,9..10.8.0.*").to_string(),
            "1-0:1..4,7,9..10.8.0**"
        );
        assert_eq!(
            pat(&pat("0-0:99.98.0,1,4..5").to_string()),
            pat("0-0:99.98.0,1,4..5")
        );
    }

    fn err(s: &str) -> (ParseErrorKind, Option<ValueGroup>, usize) {
        let e = s.parse::<Pattern>().unwrap_err();
        (e.kind(), e.group(), e.offset())
    }

    #[test]
    fn errors() {
        use ParseErrorKind as K;
        use ValueGroup as G;
        assert_eq!(err(""), (K::Empty, None, 0));
        assert_eq!(
            err("1-0:4..1.8.0"),
            (K::ReversedRange { from: 4, to: 1 }, Some(G::C), 5)
        );
        assert_eq!(err("1-0:1.8.300"), (K::OutOfRange(300), Some(G::E), 8));
        assert_eq!(err("1-0:1.8.x"), (K::UnknownLetter('x'), Some(G::E), 8));
        assert_eq!(err("P-0:1.8.0"), (K::LetterNotAllowed('P'), Some(G::A), 0));
        assert_eq!(err("1-0:1.8.0*255.1"), (K::TooManyGroups, None, 13));
        assert_eq!(err("1-0:1.8"), (K::UnknownForm, None, 7));
        assert_eq!(err("1-0:1,.8.0"), (K::MissingValue, Some(G::C), 6));
    }

    proptest! {
        #[test]
        fn an_exact_pattern_matches_only_its_code(a in any::<[u8; 6]>(), b in any::<[u8; 6]>()) {
            let (ca, cb) = (ObisCode::from_bytes(a), ObisCode::from_bytes(b));
            let p = pat(&ca.to_string());
            prop_assert!(p.matches(ca));
            prop_assert_eq!(p.matches(cb), ca == cb);
            prop_assert_eq!(pat(&p.to_string()), p);
        }

        #[test]
        fn ranges_match_their_interval(lo in any::<u8>(), hi in any::<u8>(), v in any::<u8>()) {
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            let p = pat(&format!("1-0:{lo}..{hi}.8.0"));
            prop_assert_eq!(p.matches(ObisCode::new(1, 0, v, 8, 0, 255)), (lo..=hi).contains(&v));
        }

        #[test]
        fn arbitrary_text_never_panics(text in "[0-9CFLPx:.*,\\- ]{0,30}") {
            if let Ok(p) = text.parse::<Pattern>() {
                prop_assert_eq!(pat(&p.to_string()), p);
            }
        }
    }
}
