//! Parsing the text forms of an OBIS code, and printing them.

use core::{fmt, str::FromStr};

use crate::ObisCode;

/// One of the six value groups of an OBIS code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ValueGroup {
    /// Media (energy type).
    A,
    /// Channel.
    B,
    /// Quantity / object family.
    C,
    /// Processing.
    D,
    /// Tariff / classification.
    E,
    /// Billing period (historical value).
    F,
}

impl ValueGroup {
    /// The six groups, A first.
    pub const ALL: [ValueGroup; 6] = [Self::A, Self::B, Self::C, Self::D, Self::E, Self::F];

    /// The group's letter.
    #[must_use]
    pub const fn letter(self) -> char {
        match self {
            Self::A => 'A',
            Self::B => 'B',
            Self::C => 'C',
            Self::D => 'D',
            Self::E => 'E',
            Self::F => 'F',
        }
    }
}

impl fmt::Display for ValueGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

/// Why a text is not an OBIS code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Nothing but white space.
    Empty,
    /// A character that is not a digit, a letter code or a separator.
    UnexpectedChar(char),
    /// The group is empty (two separators in a row, or a separator at an end).
    MissingValue,
    /// The group's value is above 255 (saturated at `u32::MAX`).
    OutOfRange(u32),
    /// A letter code (`C`, `F`, `L`, `P`) where only a number is allowed.
    LetterNotAllowed(char),
    /// A letter that is not one of the letter codes `C`, `F`, `L`, `P`.
    UnknownLetter(char),
    /// More than six groups.
    TooManyGroups,
    /// The separators match none of the text forms (e.g. `1-0-1.8.0`).
    UnknownForm,
    /// Twelve characters of hex were expected after `0x`.
    BadHex,
    /// A pattern range whose end is below its start (`4..1`).
    ReversedRange {
        /// The start of the range.
        from: u8,
        /// The end of the range.
        to: u8,
    },
}

/// A text that is not an OBIS code: what is wrong, in which value group, at which byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ParseError {
    kind: ParseErrorKind,
    group: Option<ValueGroup>,
    offset: usize,
}

impl ParseError {
    pub(crate) const fn new(
        kind: ParseErrorKind,
        group: Option<ValueGroup>,
        offset: usize,
    ) -> Self {
        Self {
            kind,
            group,
            offset,
        }
    }

    /// What is wrong.
    #[must_use]
    pub const fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// The value group that is wrong, when the error belongs to one.
    #[must_use]
    pub const fn group(&self) -> Option<ValueGroup> {
        self.group
    }

    /// Byte offset in the input where the problem starts.
    #[must_use]
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(g) = self.group {
            write!(f, "value group {g} (offset {}): ", self.offset)?;
        } else {
            write!(f, "offset {}: ", self.offset)?;
        }
        match self.kind {
            ParseErrorKind::Empty => f.write_str("empty input, expected an OBIS code such as 1-0:1.8.0*255"),
            ParseErrorKind::UnexpectedChar(c) => write!(f, "unexpected character {c:?}"),
            ParseErrorKind::MissingValue => f.write_str("missing value"),
            ParseErrorKind::OutOfRange(v) if v == u32::MAX => {
                f.write_str("value is out of range, a value group is 0..=255")
            }
            ParseErrorKind::OutOfRange(v) => {
                write!(f, "{v} is out of range, a value group is 0..=255")
            }
            ParseErrorKind::LetterNotAllowed(c) => {
                write!(f, "letter code {c:?} is only allowed in value groups C and D")
            }
            ParseErrorKind::UnknownLetter(c) => {
                write!(f, "{c:?} is not a letter code (C = 96, F = 97, L = 98, P = 99)")
            }
            ParseErrorKind::TooManyGroups => f.write_str("more than six value groups"),
            ParseErrorKind::UnknownForm => f.write_str(
                "separators match no OBIS form (A-B:C.D.E*F, A-B:C.D.E.F, A.B.C.D.E.F, A-B:C.D.E, C.D.E[*F], C.D or 12 hex digits)",
            ),
            ParseErrorKind::BadHex => f.write_str("expected 12 hex digits"),
            ParseErrorKind::ReversedRange { from, to } => {
                write!(f, "range {from}..{to} ends below its start")
            }
        }
    }
}

impl core::error::Error for ParseError {}

/// The value of a letter code (IEC 62056-21 / IEC 62056-6-1), or `None`.
#[must_use]
pub const fn letter_code(c: char) -> Option<u8> {
    match c.to_ascii_uppercase() {
        'C' => Some(96),
        'F' => Some(97),
        'L' => Some(98),
        'P' => Some(99),
        _ => None,
    }
}

/// One group as lexed: where it starts, and what it holds.
#[derive(Clone, Copy)]
enum Token {
    Missing,
    Number(u32),
    Letter(char),
}

#[derive(Clone, Copy)]
struct Lexed {
    tokens: [(Token, usize); 6],
    seps: [u8; 5],
    groups: usize,
}

fn lex(text: &str, base: usize) -> Result<Lexed, ParseError> {
    let mut lexed = Lexed {
        tokens: [(Token::Missing, 0); 6],
        seps: [0; 5],
        groups: 1,
    };
    let mut current = (Token::Missing, base);
    for (i, ch) in text.char_indices() {
        let offset = base + i;
        match ch {
            '0'..='9' => {
                let digit = u32::from(ch) - u32::from('0');
                current.0 = match current.0 {
                    Token::Missing => Token::Number(digit),
                    Token::Number(v) => Token::Number(v.saturating_mul(10).saturating_add(digit)),
                    Token::Letter(_) => {
                        return Err(ParseError::new(
                            ParseErrorKind::UnexpectedChar(ch),
                            None,
                            offset,
                        ));
                    }
                };
            }
            '-' | ':' | '.' | '*' => {
                let slot = lexed.groups - 1;
                let (Some(tok), Some(sep)) = (lexed.tokens.get_mut(slot), lexed.seps.get_mut(slot))
                else {
                    return Err(ParseError::new(ParseErrorKind::TooManyGroups, None, offset));
                };
                *tok = current;
                *sep = ch as u8;
                lexed.groups += 1;
                current = (Token::Missing, offset + 1);
            }
            c if c.is_ascii_alphabetic() => {
                current.0 = match current.0 {
                    Token::Missing => Token::Letter(c),
                    _ => {
                        return Err(ParseError::new(
                            ParseErrorKind::UnexpectedChar(ch),
                            None,
                            offset,
                        ));
                    }
                };
            }
            _ => {
                return Err(ParseError::new(
                    ParseErrorKind::UnexpectedChar(ch),
                    None,
                    offset,
                ));
            }
        }
    }
    match lexed.tokens.get_mut(lexed.groups - 1) {
        Some(tok) => *tok = current,
        None => {
            return Err(ParseError::new(
                ParseErrorKind::TooManyGroups,
                None,
                base + text.len(),
            ));
        }
    }
    Ok(lexed)
}

/// Which value group each lexed group fills, for the recognised separator patterns.
fn form(lexed: &Lexed) -> Option<&'static [ValueGroup]> {
    form_of(lexed.seps.get(..lexed.groups - 1)?)
}

/// Which value group each group fills, given the separators between the groups.
fn form_of(seps: &[u8]) -> Option<&'static [ValueGroup]> {
    use ValueGroup::{A, B, C, D, E, F};
    Some(match seps {
        b"-:..*" | b"-:..." | b"....." => &[A, B, C, D, E, F],
        b"-:.." => &[A, B, C, D, E],
        b"..*" => &[C, D, E, F],
        b".." => &[C, D, E],
        b"." => &[C, D],
        _ => return None,
    })
}

/// Names the value group of a character the lexer stopped at, when the separators of the whole
/// text match one form: `1-0:2x.8.1` is a code of the form `A-B:C.D.E` whose `x` is in group C.
fn locate(error: ParseError, text: &str, base: usize) -> ParseError {
    if error.group.is_some() {
        return error;
    }
    let is_sep = |b: &u8| matches!(b, b'-' | b':' | b'.' | b'*');
    let mut seps = [0u8; 5];
    let mut count = 0;
    for &b in text.as_bytes().iter().filter(|b| is_sep(b)) {
        let Some(slot) = seps.get_mut(count) else {
            return error;
        };
        *slot = b;
        count += 1;
    }
    let before = text
        .as_bytes()
        .get(..error.offset.saturating_sub(base))
        .map_or(0, |head| head.iter().filter(|b| is_sep(b)).count());
    let group = seps
        .get(..count)
        .and_then(form_of)
        .and_then(|groups| groups.get(before).copied());
    ParseError { group, ..error }
}

fn group_value(token: Token, group: ValueGroup, offset: usize) -> Result<u8, ParseError> {
    let err = |kind| ParseError::new(kind, Some(group), offset);
    match token {
        Token::Missing => Err(err(ParseErrorKind::MissingValue)),
        Token::Number(v) => u8::try_from(v).map_err(|_| err(ParseErrorKind::OutOfRange(v))),
        Token::Letter(c) => match letter_code(c) {
            None => Err(err(ParseErrorKind::UnknownLetter(c))),
            Some(_) if !matches!(group, ValueGroup::C | ValueGroup::D) => {
                Err(err(ParseErrorKind::LetterNotAllowed(c)))
            }
            Some(v) => Ok(v),
        },
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses exactly 12 hex digits.
fn parse_hex(digits: &[u8]) -> Option<ObisCode> {
    if digits.len() != 12 {
        return None;
    }
    let mut out = [0u8; 6];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *byte = (hex_digit(*hi)? << 4) | hex_digit(*lo)?;
    }
    Some(ObisCode::from_bytes(out))
}

/// The A and B a reduced (IEC 62056-21) code gets when nothing else is known; see the module docs.
const fn reduced_defaults(c: u8) -> (u8, u8) {
    if c >= 96 { (0, 0) } else { (1, 0) }
}

fn parse(text: &str, reduced_ab: Option<(u8, u8)>) -> Result<ObisCode, ParseError> {
    let trimmed = text.trim_start();
    let base = text.len() - trimmed.len();
    let trimmed = trimmed.trim_end();
    if trimmed.is_empty() {
        return Err(ParseError::new(ParseErrorKind::Empty, None, 0));
    }
    if let Some(rest) = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
    {
        return parse_hex(rest.as_bytes()).ok_or(ParseError::new(
            ParseErrorKind::BadHex,
            None,
            base + 2,
        ));
    }
    if let Some(code) = parse_hex(trimmed.as_bytes()) {
        return Ok(code);
    }
    let lexed = lex(trimmed, base).map_err(|e| locate(e, trimmed, base))?;
    let Some(groups) = form(&lexed) else {
        let at = lexed.tokens.get(1).map_or(base, |t| t.1.saturating_sub(1));
        return Err(ParseError::new(ParseErrorKind::UnknownForm, None, at));
    };
    let mut values = [0u8, 0, 0, 0, 0, 255];
    for (&group, &(token, offset)) in groups.iter().zip(lexed.tokens.iter()) {
        let v = group_value(token, group, offset)?;
        if let Some(slot) = values.get_mut(group as usize) {
            *slot = v;
        }
    }
    if groups.first() == Some(&ValueGroup::C) {
        let [_, _, c, ..] = values;
        let (a, b) = reduced_ab.unwrap_or(reduced_defaults(c));
        values[0] = a;
        values[1] = b;
    }
    Ok(ObisCode::from_bytes(values))
}

impl FromStr for ObisCode {
    type Err = ParseError;

    /// Parses any of the text forms of an OBIS code:
    ///
    /// | form | example | where it comes from |
    /// |---|---|---|
    /// | canonical | `1-0:1.8.0*255` | IEC 62056-6-1 (the separators `-` `:` `.` `.` `*`) |
    /// | F after a dot | `1-0:1.8.0.255` | DLMS tools and logs (dlms-cosem, the DLMS UA test vectors' `obis` field) |
    /// | all dots | `1.0.1.8.0.255` | Gurux logical-name strings, many head-end exports |
    /// | F omitted | `1-0:1.8.0` | IEC 62056-6-1: group F may be left out when it is 255 (not used) |
    /// | hex | `0100010800FF`, `0x0100010800ff` | the six wire bytes, as in protocol analysers and A-XDR dumps |
    /// | reduced | `1.8.0`, `1.8.1*01`, `C.1.0`, `F.F` | IEC 62056-21 data sets (mode C readout): only C.D.E, optional `*F` |
    ///
    /// Reduced forms carry no A and B. A reduced code is read as an object of the meter that printed it:
    /// B = 0, and A = 0 for the letter-coded families (C ≥ 96: `C` service entries, `F` error registers,
    /// `L` lists, `P` profiles, which IEC 62056-6-1 places among the abstract objects, e.g. `C.1.0` →
    /// `0-0:96.1.0*255`, the meter serial number) and A = 1 (electricity) otherwise. With only two groups
    /// (`F.F`, `C.8`) E is 0. Use [`ObisCode::parse_reduced_with`] when the medium or channel is known.
    ///
    /// Letter codes (IEC 62056-21 and IEC 62056-6-1: C = 96, F = 97, L = 98, P = 99) are accepted
    /// in value groups C and D of every form, in upper or lower case.
    ///
    /// ```
    /// use obis::ObisCode;
    /// let import = ObisCode::new(1, 0, 1, 8, 0, 255);
    /// for text in ["1-0:1.8.0*255", "1-0:1.8.0.255", "1.0.1.8.0.255", "1-0:1.8.0", "0100010800FF", "1.8.0"] {
    ///     assert_eq!(text.parse::<ObisCode>(), Ok(import));
    /// }
    /// assert_eq!("C.1.0".parse::<ObisCode>(), Ok(ObisCode::new(0, 0, 96, 1, 0, 255)));
    /// let err = "1-0:1.800.0".parse::<ObisCode>().unwrap_err();
    /// assert_eq!(err.to_string(), "value group D (offset 6): 800 is out of range, a value group is 0..=255");
    /// ```
    ///
    /// # Errors
    /// [`ParseError`] says what is wrong, in which group and at which offset.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse(text, None)
    }
}

impl ObisCode {
    /// Parses a text form, giving a reduced (IEC 62056-21) code the value groups A and B of the
    /// meter it came from instead of the defaults described in the [crate docs](crate#text-forms).
    /// Full forms keep their own A and B.
    ///
    /// ```
    /// use obis::ObisCode;
    /// // A gas meter's readout, channel 1.
    /// assert_eq!(ObisCode::parse_reduced_with("3.8.0", 7, 1), Ok(ObisCode::new(7, 1, 3, 8, 0, 255)));
    /// ```
    ///
    /// # Errors
    /// As [`str::parse`].
    pub fn parse_reduced_with(text: &str, a: u8, b: u8) -> Result<Self, ParseError> {
        parse(text, Some((a, b)))
    }

    /// The code printed in one of the text forms.
    ///
    /// ```
    /// use obis::{ObisCode, TextForm};
    /// let clock = ObisCode::new(0, 0, 1, 0, 0, 255);
    /// assert_eq!(clock.display(TextForm::Canonical).to_string(), "0-0:1.0.0*255");
    /// assert_eq!(clock.display(TextForm::DottedF).to_string(), "0-0:1.0.0.255");
    /// assert_eq!(clock.display(TextForm::AllDots).to_string(), "0.0.1.0.0.255");
    /// assert_eq!(clock.display(TextForm::Hex).to_string(), "0000010000FF");
    /// ```
    #[must_use]
    pub const fn display(self, form: TextForm) -> FormattedCode {
        FormattedCode { code: self, form }
    }
}

/// A text form [`ObisCode::display`] can print. Every form parses back to the same code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TextForm {
    /// `A-B:C.D.E*F` (IEC 62056-6-1); what `Display` prints.
    #[default]
    Canonical,
    /// `A-B:C.D.E.F`.
    DottedF,
    /// `A.B.C.D.E.F`.
    AllDots,
    /// Twelve upper-case hex digits, the wire bytes.
    Hex,
}

/// An [`ObisCode`] with the text form to print it in; see [`ObisCode::display`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormattedCode {
    code: ObisCode,
    form: TextForm,
}

impl fmt::Display for FormattedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, ff] = self.code.to_bytes();
        match self.form {
            TextForm::Canonical => write!(f, "{a}-{b}:{c}.{d}.{e}*{ff}"),
            TextForm::DottedF => write!(f, "{a}-{b}:{c}.{d}.{e}.{ff}"),
            TextForm::AllDots => write!(f, "{a}.{b}.{c}.{d}.{e}.{ff}"),
            TextForm::Hex => write!(f, "{a:02X}{b:02X}{c:02X}{d:02X}{e:02X}{ff:02X}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::prelude::rust_2024::*;

    fn p(s: &str) -> Result<ObisCode, ParseError> {
        s.parse()
    }

    const IMPORT: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);

    #[test]
    fn every_full_form() {
        assert_eq!(p("1-0:1.8.0*255"), Ok(IMPORT));
        assert_eq!(p("1-0:1.8.0.255"), Ok(IMPORT));
        assert_eq!(p("1.0.1.8.0.255"), Ok(IMPORT));
        assert_eq!(p("1-0:1.8.0"), Ok(IMPORT));
        assert_eq!(p("0100010800FF"), Ok(IMPORT));
        assert_eq!(p("0100010800ff"), Ok(IMPORT));
        assert_eq!(p("0x0100010800FF"), Ok(IMPORT));
        assert_eq!(p("  1-0:1.8.0*255\n"), Ok(IMPORT));
        assert_eq!(p("001-000:001.008.000*255"), Ok(IMPORT));
        assert_eq!(p("1-0:2.8.1*1"), Ok(ObisCode::new(1, 0, 2, 8, 1, 1)));
    }

    #[test]
    fn reduced_forms() {
        assert_eq!(p("1.8.0"), Ok(IMPORT));
        assert_eq!(p("1.8.1*01"), Ok(ObisCode::new(1, 0, 1, 8, 1, 1)));
        assert_eq!(p("C.1.0"), Ok(ObisCode::new(0, 0, 96, 1, 0, 255)));
        assert_eq!(p("c.1.0"), Ok(ObisCode::new(0, 0, 96, 1, 0, 255)));
        assert_eq!(p("F.F"), Ok(ObisCode::new(0, 0, 97, 97, 0, 255)));
        assert_eq!(p("P.01"), Ok(ObisCode::new(0, 0, 99, 1, 0, 255)));
        assert_eq!(p("L.1.0"), Ok(ObisCode::new(0, 0, 98, 1, 0, 255)));
        assert_eq!(p("0.9.1"), Ok(ObisCode::new(1, 0, 0, 9, 1, 255)));
        assert_eq!(p("32.7"), Ok(ObisCode::new(1, 0, 32, 7, 0, 255)));
        assert_eq!(
            ObisCode::parse_reduced_with("C.1.0", 1, 2),
            Ok(ObisCode::new(1, 2, 96, 1, 0, 255))
        );
        // Full forms keep their own A and B.
        assert_eq!(
            ObisCode::parse_reduced_with("0-0:1.0.0", 1, 2),
            Ok(ObisCode::new(0, 0, 1, 0, 0, 255))
        );
    }

    #[test]
    fn letters_in_full_forms() {
        assert_eq!(p("0-0:C.1.0*255"), Ok(ObisCode::new(0, 0, 96, 1, 0, 255)));
        assert_eq!(p("0-0:F.F.0"), Ok(ObisCode::new(0, 0, 97, 97, 0, 255)));
    }

    fn err(s: &str) -> (ParseErrorKind, Option<ValueGroup>, usize) {
        let e = p(s).unwrap_err();
        (e.kind(), e.group(), e.offset())
    }

    #[test]
    fn every_error() {
        use ParseErrorKind as K;
        use ValueGroup as G;
        assert_eq!(err(""), (K::Empty, None, 0));
        assert_eq!(err("   "), (K::Empty, None, 0));
        assert_eq!(
            err("1-0:1.8.0#255"),
            (K::UnexpectedChar('#'), Some(G::E), 9)
        );
        assert_eq!(
            err("1-0:1.8.0 *255"),
            (K::UnexpectedChar(' '), Some(G::E), 9)
        );
        assert_eq!(err("1-0:1.8.€"), (K::UnexpectedChar('€'), Some(G::E), 8));
        assert_eq!(err("1-0:1.8x.0"), (K::UnexpectedChar('x'), Some(G::D), 7));
        assert_eq!(err("1-0:F1.8.0"), (K::UnexpectedChar('1'), Some(G::C), 5));
        assert_eq!(err("1.8x.0"), (K::UnexpectedChar('x'), Some(G::D), 3));
        // No form to place it in: the separators match none, or there are none.
        assert_eq!(err("1-0-1x.8.0"), (K::UnexpectedChar('x'), None, 5));
        assert_eq!(err("0100010800F"), (K::UnexpectedChar('F'), None, 10));
        assert_eq!(err("1-:1.8.0"), (K::MissingValue, Some(G::B), 2));
        assert_eq!(err("1-0:1.8.*255"), (K::MissingValue, Some(G::E), 8));
        assert_eq!(err("1-0:1.8.0*"), (K::MissingValue, Some(G::F), 10));
        assert_eq!(err("256-0:1.8.0"), (K::OutOfRange(256), Some(G::A), 0));
        assert_eq!(
            err("1-0:1.8.0*9999999999999"),
            (K::OutOfRange(u32::MAX), Some(G::F), 10)
        );
        assert_eq!(err("F-0:1.8.0"), (K::LetterNotAllowed('F'), Some(G::A), 0));
        assert_eq!(err("1-0:1.8.P"), (K::LetterNotAllowed('P'), Some(G::E), 8));
        assert_eq!(err("1-0:X.8.0"), (K::UnknownLetter('X'), Some(G::C), 4));
        assert_eq!(err("1.0.1.8.0.255.1"), (K::TooManyGroups, None, 13));
        assert_eq!(err("1-0-1.8.0"), (K::UnknownForm, None, 1));
        assert_eq!(err("1.0.1.8"), (K::UnknownForm, None, 1));
        assert_eq!(err("7"), (K::UnknownForm, None, 0));
        assert_eq!(err("0x0100"), (K::BadHex, None, 2));
        assert_eq!(err("0x01000108000G"), (K::BadHex, None, 2));
    }

    #[test]
    fn error_messages_name_the_group() {
        assert_eq!(
            p("1-0:1.8.0*256").unwrap_err().to_string(),
            "value group F (offset 10): 256 is out of range, a value group is 0..=255"
        );
        assert_eq!(
            p("1-:1.8.0").unwrap_err().to_string(),
            "value group B (offset 2): missing value"
        );
        assert_eq!(
            p("1-0:2x.8.1").unwrap_err().to_string(),
            "value group C (offset 5): unexpected character 'x'"
        );
    }

    #[test]
    fn display_forms() {
        let code = ObisCode::new(1, 0, 2, 8, 1, 255);
        assert_eq!(code.to_string(), "1-0:2.8.1*255");
        assert_eq!(
            code.display(TextForm::Canonical).to_string(),
            "1-0:2.8.1*255"
        );
        assert_eq!(code.display(TextForm::DottedF).to_string(), "1-0:2.8.1.255");
        assert_eq!(code.display(TextForm::AllDots).to_string(), "1.0.2.8.1.255");
        assert_eq!(code.display(TextForm::Hex).to_string(), "0100020801FF");
    }

    fn any_code() -> impl Strategy<Value = ObisCode> {
        any::<[u8; 6]>().prop_map(ObisCode::from_bytes)
    }

    proptest! {
        #[test]
        fn parse_display_round_trip(code in any_code()) {
            for form in [TextForm::Canonical, TextForm::DottedF, TextForm::AllDots, TextForm::Hex] {
                let text = code.display(form).to_string();
                prop_assert_eq!(p(&text), Ok(code), "{}", text);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = p(&text);
        }

        #[test]
        fn separator_soup_never_panics(text in "[0-9CFLPx:.*\\- ]{0,30}") {
            if let Ok(code) = p(&text) {
                prop_assert_eq!(p(&code.to_string()), Ok(code));
            }
        }
    }
}
