//! Deterministic seeds and DICOM UIDs derived from (seed, case, series, instance).

/// SplitMix64's finaliser: a cheap, well-mixed bijection on u64.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Combines values into one well-mixed seed; order matters.
pub(crate) fn mix(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x5EAD_5EED_u64, |h, &p| splitmix(splitmix(h) ^ p))
}

/// What a UID identifies, so that no two kinds of UID can collide.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UidKind {
    Study = 1,
    FrameOfReference = 2,
    Series = 3,
    Instance = 4,
}

/// A UID under the `2.25` root (an integer from a UUID-sized space, ITU-T X.667), derived from
/// the parts: the same parts always give the same UID. At most 44 characters.
pub(crate) fn uid(kind: UidKind, parts: &[u64]) -> String {
    let mut all = vec![kind as u64];
    all.extend_from_slice(parts);
    let hi = mix(&all);
    let lo = splitmix(hi ^ 0xD1CE_D1CE);
    // Keep the top bits set so that every UID has the same number of digits.
    let value = ((u128::from(hi) << 64) | u128::from(lo)) | (1_u128 << 127);
    format!("2.25.{value}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod tests {
    use super::*;

    #[test]
    fn uids_are_valid_and_distinct() {
        let a = uid(UidKind::Series, &[1, 2, 3]);
        let b = uid(UidKind::Series, &[1, 2, 4]);
        let c = uid(UidKind::Instance, &[1, 2, 3]);
        assert_ne!(a, b);
        assert_ne!(a, c);
        for u in [&a, &b, &c] {
            assert!(u.len() <= 64, "{u}");
            assert!(u.starts_with("2.25.") && !u[5..].starts_with('0'), "{u}");
            assert!(u[5..].bytes().all(|c| c.is_ascii_digit()), "{u}");
        }
        assert_eq!(a, uid(UidKind::Series, &[1, 2, 3]));
    }
}
