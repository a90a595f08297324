use super::parse_team_id;
use crate::api::AppError;

#[test]
fn team_ids_parse_or_explain() {
    assert_eq!(parse_team_id(None).unwrap(), None);
    assert_eq!(parse_team_id(Some(" ")).unwrap(), None);
    assert_eq!(parse_team_id(Some("12")).unwrap(), Some(12));
    assert!(matches!(
        parse_team_id(Some("x")),
        Err(AppError::Invalid(_))
    ));
}
