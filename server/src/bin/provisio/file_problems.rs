//! What is wrong with a file a command reads (a CSV or JSON file of
//! people), and where: the file as a whole, a line, or a record. Shown as
//! `people.csv:3: column "active": "maybe" is not true or false`.

use std::fmt;

/// Where in the file a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole.
    File,
    /// A line (from 1): CSV rows, JSON syntax.
    Line(u64),
    /// A record of a JSON file (from 1).
    Record(usize),
}

impl Place {
    /// `line 3`, `record 2`, or `another record`: how a message names another place.
    pub fn describe(self) -> String {
        match self {
            Place::File => "another record".to_owned(),
            Place::Line(line) => format!("line {line}"),
            Place::Record(n) => format!("record {n}"),
        }
    }
}

/// Something wrong with the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub message: String,
}

impl Problem {
    pub fn new(place: Place, message: impl Into<String>) -> Self {
        Problem {
            place,
            message: message.into(),
        }
    }

    /// `people.csv:3: column "active": "maybe" is not true or false`.
    pub fn in_file<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        InFile { file, problem: self }
    }
}

struct InFile<'a> {
    file: &'a str,
    problem: &'a Problem,
}

impl fmt::Display for InFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, message) = (self.file, &self.problem.message);
        match self.problem.place {
            Place::File => write!(f, "{file}: {message}"),
            Place::Line(line) => write!(f, "{file}:{line}: {message}"),
            Place::Record(n) => write!(f, "{file}: record {n}: {message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_the_file_and_place() {
        let shown = |place| Problem::new(place, "bad").in_file("people.csv").to_string();
        assert_eq!(shown(Place::Line(3)), "people.csv:3: bad");
        assert_eq!(shown(Place::Record(2)), "people.csv: record 2: bad");
        assert_eq!(shown(Place::File), "people.csv: bad");
        assert_eq!(Place::Line(4).describe(), "line 4");
    }
}
