//! The folder name of a county's outputs, made from its `county` name
//! (docs/PIPELINE_FILES.md): two pipelines whose names give one slug would
//! write into one folder, which `load_all` refuses.

/// Lower-case ASCII slug of a county name: `San Luis Obispo` → `san-luis-obispo`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().map(crate::rules::person::fold_accent) {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slugify("Los Angeles"), "los-angeles");
        assert_eq!(slugify(" Doña Ana "), "dona-ana");
    }
}
