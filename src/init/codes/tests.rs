//! Category suggestions: the codes of the three sample dialects, and the
//! codes that must stay TODOs.

use super::*;

fn cat(field: &str, code: &str) -> Option<&'static str> {
    match suggest(field, code) {
        Suggestion::Category(c, _) => Some(c),
        Suggestion::Todo(_) => None,
    }
}

#[test]
fn release_reasons_whose_words_are_plain() {
    for (code, want) in [
        ("BAIL POSTED", "bail"),
        ("BAIL", "bail"),
        ("OR RELEASE", "own_recognizance"),
        ("OWN RECOG", "own_recognizance"),
        ("CHARGES DROPPED", "charges_dropped"),
        ("DISMISSED", "charges_dropped"),
        ("ACQUITTED", "acquitted"),
        ("NOT GUILTY", "acquitted"),
        ("TIME SERVED", "sentence_served"),
        ("SENTENCE COMPLETE", "sentence_served"),
        ("COURT ORDER", "court_order"),
        ("CT ORDER", "court_order"),
        ("DIVERSION", "diversion"),
        ("ICE PICKUP", "transfer_ice"),
        ("RELEASED TO ICE", "transfer_ice"),
        ("TRANSFER OTHER AGENCY", "transfer_other"),
        ("XFER", "transfer_other"),
        ("OTHER", "other"),
        ("MISC RLS", "other"),
    ] {
        assert_eq!(cat("release_reason", code), Some(want), "{code}");
    }
    for code in [
        "01",
        "10",
        "99",
        "RLS PER WATCH CMDR",
        "BAIL - TRANSFER TO ICE",
        "",
    ] {
        assert_eq!(cat("release_reason", code), None, "{code}");
    }
}

#[test]
fn warrants_are_read_strictly() {
    for (code, want) in [
        ("NONE", "none"),
        ("NO WARRANT", "none"),
        ("I-200", "administrative"),
        ("I-205", "administrative"),
        ("I200", "administrative"),
        ("I205", "administrative"),
        ("ADMIN I-200", "administrative"),
        ("JUDICIAL", "judicial"),
        ("JUDICIAL WARRANT", "judicial"),
        ("JUDGE SIGNED", "judicial"),
    ] {
        assert_eq!(cat("warrant", code), Some(want), "{code}");
    }
    for code in [
        "UNK",
        "SEE NOTES",
        "NON-JUDICIAL",
        "NOT JUDGE SIGNED",
        "I-200 JUDICIAL",
        "Y",
    ] {
        assert_eq!(cat("warrant", code), None, "{code}");
    }
    match suggest("warrant", "UNK") {
        Suggestion::Todo(why) => assert!(why.contains("never flagged"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn forms_bail_charges_and_flags() {
    for (code, want) in [
        ("I247", "I-247"),
        ("I247A", "I-247A"),
        ("DHS I-247D", "I-247D"),
        ("247", "I-247"),
        ("247A", "I-247A"),
        ("247n", "I-247N"),
        ("I-247X", "I-247X"),
    ] {
        assert_eq!(cat("form", code), Some(want), "{code}");
    }
    for code in ["I-203", "12470", "247B", "DETAINER"] {
        assert_eq!(cat("form", code), None, "{code}");
    }
    assert_eq!(cat("bail_status", "SET"), Some("set"));
    assert_eq!(cat("bail_status", "NO BAIL"), Some("denied_other"));
    assert_eq!(
        cat("bail_status", "NO BAIL - ICE HOLD"),
        Some("denied_for_hold")
    );
    for code in ["S", "NB", "NBH"] {
        assert_eq!(cat("bail_status", code), None, "{code}");
    }
    assert_eq!(cat("charge_kind", "FEL"), Some("criminal"));
    assert_eq!(cat("charge_kind", "MISD"), Some("criminal"));
    assert_eq!(cat("charge_kind", "ICE HOLD"), Some("immigration_hold"));
    assert_eq!(cat("charge_kind", "HOLD"), None);
    assert_eq!(cat("charge_kind", "FEL ICE"), None);
    for (code, want) in [
        ("Y", "true"),
        ("YES", "true"),
        ("1", "true"),
        ("N", "false"),
        ("no", "false"),
        ("0", "false"),
    ] {
        assert_eq!(cat("final_order", code), Some(want), "{code}");
    }
    assert_eq!(cat("final_order", "UNK"), None);
}

#[test]
fn code_lists_add_up_over_columns() {
    let mut l = CodeList {
        field: "form",
        ..CodeList::default()
    };
    let a: BTreeMap<String, usize> = [("I247".to_string(), 2), ("I247A".to_string(), 5)].into();
    let b: BTreeMap<String, usize> = [("I247".to_string(), 4)].into();
    l.add("`Form` (a.csv)".to_string(), Some(&a), 8, 1);
    l.add("`Form` (b.csv)".to_string(), Some(&b), 4, 0);
    assert_eq!((l.rows, l.empty, l.unlisted), (12, 1, false));
    let by: Vec<(&str, usize)> = l
        .by_count()
        .into_iter()
        .map(|(c, n)| (c.as_str(), n))
        .collect();
    assert_eq!(by, [("I247", 6), ("I247A", 5)]);
    l.add("`Form` (c.csv)".to_string(), None, 1, 0);
    assert!(l.unlisted);
}
