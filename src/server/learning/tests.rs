use super::progress::certificate_code;

#[test]
fn certificate_codes_are_readable_and_distinct() {
    let a = certificate_code();
    assert_eq!(a.len(), 14, "{a}");
    assert_eq!(a.matches('-').count(), 2);
    assert!(a
        .chars()
        .all(|c| c == '-' || "ABCDEFGHJKMNPQRSTUVWXYZ23456789".contains(c)));
    assert_ne!(a, certificate_code());
}
