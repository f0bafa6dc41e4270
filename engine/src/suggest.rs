//! "Did you mean …?": the closest of a set of known names to a name that is
//! not among them, for every message about an unknown function or attribute
//! (the expression checker's, the job definition's, the directory's).
//!
//! ```
//! use provisio_engine::suggest::closest;
//!
//! let names = ["givenName", "surname", "jobTitle"];
//! assert_eq!(closest("surnmae", names), Some("surname"));
//! assert_eq!(closest("Surname", names), Some("surname"));
//! assert_eq!(closest("title", names), Some("jobTitle"));
//! assert_eq!(closest("shoeSize", names), None);
//! ```

/// How alike two names must be (Jaro-Winkler, ignoring case) to be offered.
const THRESHOLD: f64 = 0.88;

/// A name shorter than this is not looked for inside longer ones: `id`
/// would be "in" half the catalogue.
const MIN_PART: usize = 4;

/// The known name closest to `name`: the most alike one when it is alike
/// enough (a typo, or another case), else the shortest that contains the
/// whole of `name` (`title` → `jobTitle`), else none.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let mut alike: Option<(&'a str, f64)> = None;
    let mut containing: Option<&'a str> = None;
    for candidate in known {
        let candidate_lower = candidate.to_lowercase();
        let score = strsim::jaro_winkler(&lower, &candidate_lower);
        if score > THRESHOLD && alike.is_none_or(|(_, best)| score > best) {
            alike = Some((candidate, score));
        }
        if lower.chars().count() >= MIN_PART
            && candidate_lower.contains(&lower)
            && containing.is_none_or(|shortest| candidate.len() < shortest.len())
        {
            containing = Some(candidate);
        }
    }
    alike.map(|(candidate, _)| candidate).or(containing)
}

/// `did you mean `x`?` for the closest known name, if any.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, known).map(|close| format!("did you mean `{close}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_other_cases_and_parts_find_their_name() {
        let names = ["department", "displayName", "jobTitle", "mail", "mailNickname"];
        assert_eq!(closest("departmnet", names), Some("department"));
        assert_eq!(closest("DisplayName", names), Some("displayName"));
        assert_eq!(closest("title", names), Some("jobTitle"));
        // The most alike wins over a longer name that contains it.
        assert_eq!(closest("mial", names), Some("mail"));
        assert_eq!(closest("nickname", names), Some("mailNickname"));
    }

    #[test]
    fn nothing_alike_is_no_suggestion() {
        assert_eq!(closest("shoeSize", ["department", "mail"]), None);
        assert_eq!(closest("id", ["userPrincipalName", "mailNickname"]), None);
        assert_eq!(closest("x", std::iter::empty()), None);
        assert_eq!(
            did_you_mean("departmnet", ["department"]).as_deref(),
            Some("did you mean `department`?")
        );
    }
}
