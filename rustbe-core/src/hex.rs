//! Lower-case hex of bytes, written without the formatting machinery: the one encoder behind
//! ETags, request ids and stored token hashes.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The two hex digits of `byte`.
fn pair(byte: u8) -> [u8; 2] {
    [
        DIGITS[usize::from(byte >> 4)],
        DIGITS[usize::from(byte & 0xf)],
    ]
}

/// `bytes` as lower-case hex.
///
/// ```
/// assert_eq!(rustbe_core::hex::encode(&[0x00, 0x9f, 0xff]), "009fff");
/// ```
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push(&mut out, bytes);
    out
}

/// Appends `bytes` as lower-case hex to `out`.
///
/// ```
/// let mut tag = String::from("\"");
/// rustbe_core::hex::push(&mut tag, b"\x01\xab");
/// assert_eq!(tag, "\"01ab");
/// ```
pub fn push(out: &mut String, bytes: &[u8]) {
    for &byte in bytes {
        let [high, low] = pair(byte);
        out.push(char::from(high));
        out.push(char::from(low));
    }
}

/// Writes `bytes` as hex into `out`, two digits per byte, as far as `out` reaches.
pub(crate) fn write(bytes: &[u8], out: &mut [u8]) {
    for (&byte, digits) in bytes.iter().zip(out.chunks_exact_mut(2)) {
        digits.copy_from_slice(&pair(byte));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_matches_format() {
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(encode(&all), expected);
        let mut fixed = [0_u8; 512];
        write(&all, &mut fixed);
        assert_eq!(std::str::from_utf8(&fixed).ok(), Some(expected.as_str()));
    }
}
