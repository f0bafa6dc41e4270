//! The demo organisation of `provisio serve --demo`: Contoso, about 300
//! people in 8 departments and 5 countries, with a CEO, department heads,
//! directors, team leads and everyone's manager, a few leavers, and the
//! groups an identity team would have (departments, all staff, roles,
//! projects, one group of groups).
//!
//! Pure and deterministic: the same data on every call, from a small seeded
//! generator written here (no global randomness, no clock). Attribute names
//! are those of Microsoft Entra ID users (`givenName`, `userPrincipalName`,
//! `proxyAddresses`, …) so the demo's mappings read like real ones. Keys
//! and indexes stand in for ids and the manager reference, which the store
//! assigns when it saves the organisation.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use self::tables::{
    COUNTRIES, Country, DEPARTMENTS, Department, FIRST_NAMES, GO_TO_MARKET, HEADQUARTERS, LAST_NAMES, Office,
    PHOENIX_TEAMS, VPN_TEAMS,
};

mod tables;

/// The organisation: users, then groups.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DemoOrg {
    pub users: Vec<DemoUser>,
    pub groups: Vec<DemoGroup>,
}

/// One person.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DemoUser {
    /// The user's index in [`DemoOrg::users`], which other users' `manager`
    /// and the groups' `member_users` name.
    pub key: usize,
    /// Entra attributes (no `id`, no `manager`): strings, `accountEnabled`
    /// as a boolean, `proxyAddresses` as an array of strings.
    pub attributes: Map<String, Value>,
    /// The key of the manager; `None` for the CEO only.
    pub manager: Option<usize>,
}

/// One group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DemoGroup {
    /// `displayName`, `description`, `mailNickname`.
    pub attributes: Map<String, Value>,
    /// Keys of the member users.
    pub member_users: Vec<usize>,
    /// Indexes in [`DemoOrg::groups`] of the member groups.
    pub member_groups: Vec<usize>,
}

/// The company, and the domain of every address.
const COMPANY: &str = "Contoso";
const DOMAIN: &str = "contoso.com";
/// Any fixed value works; this one gives a pleasant mix of names.
const SEED: u64 = 0x00C0_7050_2026_0001;
/// How many people leave (accounts disabled, kept for the records).
const LEAVERS: usize = 7;

/// The whole organisation, the same on every call.
pub(crate) fn demo_org() -> DemoOrg {
    let mut org = Builder::new();
    let ceo = org.person(
        Role::leader("Executive", "Chief Executive Officer", None),
        Some(&HEADQUARTERS),
    );
    let mut heads = vec![ceo];
    let mut department_users = Vec::new();
    for department in &DEPARTMENTS {
        let (head, users) = org.department(department, ceo);
        heads.push(head);
        department_users.push(users);
    }
    org.mark_leavers();
    org.into_demo(heads, department_users)
}

/// A person's place in the organisation.
struct Role {
    department: &'static str,
    title: String,
    manager: Option<usize>,
    employee_type: &'static str,
}

impl Role {
    fn leader(department: &'static str, title: &str, manager: Option<usize>) -> Role {
        Role {
            department,
            title: title.to_owned(),
            manager,
            employee_type: "Employee",
        }
    }
}

/// The users so far, the addresses they took and the generator.
struct Builder {
    rng: Rng,
    users: Vec<DemoUser>,
    /// Every local part taken, primary or alias.
    addresses: BTreeSet<String>,
    /// Each user's team, for the project and VPN groups.
    teams: Vec<Option<&'static str>>,
    /// Department heads, directors and team leads of Engineering.
    engineering_leads: Vec<usize>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            rng: Rng(SEED),
            users: Vec::new(),
            addresses: BTreeSet::new(),
            teams: Vec::new(),
            engineering_leads: Vec::new(),
        }
    }

    /// A department's head, directors, team leads and members; returns the
    /// head and every key of the department.
    fn department(&mut self, department: &'static Department, ceo: usize) -> (usize, Vec<usize>) {
        let name = department.name;
        let first = self.users.len();
        let head = self.person(Role::leader(name, department.head, Some(ceo)), None);
        let directors: Vec<usize> = if department.teams.len() > 4 {
            (0..2)
                .map(|_| self.person(Role::leader(name, department.director, Some(head)), None))
                .collect()
        } else {
            Vec::new()
        };
        let teams = department.teams.len();
        let headcount = department.size.saturating_sub(1 + directors.len());
        for (index, (team, role)) in department.teams.iter().enumerate() {
            // Spread the headcount evenly, the first teams one larger.
            let team_size = headcount / teams + usize::from(index < headcount % teams);
            let boss = directors.get(index * directors.len() / teams).copied().unwrap_or(head);
            let title = format!("{}, {team}", department.lead);
            let lead = self.person(Role::leader(name, &title, Some(boss)), None);
            self.set_team(lead, team);
            if name == "Engineering" {
                self.engineering_leads.push(lead);
            }
            for _ in 1..team_size {
                let member = self.member(name, role, lead);
                self.set_team(member, team);
            }
        }
        if name == "Engineering" {
            self.engineering_leads
                .splice(0..0, std::iter::once(head).chain(directors));
        }
        (head, (first..self.users.len()).collect())
    }

    /// A team member: mostly employees at every seniority, some
    /// contractors, a few interns.
    fn member(&mut self, department: &'static str, role: &str, lead: usize) -> usize {
        let roll = self.rng.below(100);
        let (employee_type, title) = if roll < 4 {
            ("Intern", format!("{role} Intern"))
        } else {
            let seniority = match self.rng.below(100) {
                0..20 => "Junior ",
                20..60 => "",
                60..90 => "Senior ",
                _ => "Principal ",
            };
            let employee_type = if roll < 15 { "Contractor" } else { "Employee" };
            (employee_type, format!("{seniority}{role}"))
        };
        let role = Role {
            department,
            title,
            manager: Some(lead),
            employee_type,
        };
        self.person(role, None)
    }

    fn set_team(&mut self, key: usize, team: &'static str) {
        if let Some(slot) = self.teams.get_mut(key) {
            *slot = Some(team);
        }
    }

    /// Adds a person with a fresh name and address, in `office` or in an
    /// office of a country drawn by weight.
    fn person(&mut self, role: Role, office: Option<&'static Office>) -> usize {
        let key = self.users.len();
        let (country, office) = match office {
            Some(office) => (&COUNTRIES[0], office),
            None => {
                let country = self.country();
                let office = self.rng.pick(country.offices).unwrap_or(&HEADQUARTERS);
                (country, office)
            }
        };
        let given_name = *self.rng.pick(&FIRST_NAMES).unwrap_or(&"Alex");
        let surname = *self.rng.pick(&LAST_NAMES).unwrap_or(&"Doe");
        let nickname = self.unique_address(format!("{}.{}", ascii_fold(given_name), ascii_fold(surname)));
        let initial: String = ascii_fold(given_name).chars().take(1).collect();
        let alias = self.unique_address(format!("{initial}{}", ascii_fold(surname)));
        let address = format!("{nickname}@{DOMAIN}");
        let hired = format!(
            "{}-{:02}-{:02}T00:00:00Z",
            2012 + self.rng.below(14),
            1 + self.rng.below(12),
            1 + self.rng.below(28)
        );
        let floor = 1 + self.rng.below(6);
        let room = floor * 100 + 1 + self.rng.below(40);
        let attributes = json!({
            "accountEnabled": true,
            "givenName": given_name,
            "surname": surname,
            "displayName": format!("{given_name} {surname}"),
            "userPrincipalName": address,
            "mail": address,
            "mailNickname": nickname,
            "proxyAddresses": [format!("SMTP:{address}"), format!("smtp:{alias}@{DOMAIN}")],
            "jobTitle": role.title,
            "department": role.department,
            "companyName": COMPANY,
            "employeeId": format!("{:06}", 100_001 + key),
            "employeeType": role.employee_type,
            "employeeHireDate": hired,
            "userType": "Member",
            "officeLocation": format!("{} {floor}.{room:03}", office.city),
            "streetAddress": office.street,
            "city": office.city,
            "state": office.state,
            "postalCode": office.postal_code,
            "country": country.name,
            "usageLocation": country.code,
            "preferredLanguage": country.language,
            "telephoneNumber": self.rng.digits(office.phone),
            "mobile": self.rng.digits(country.mobile),
        });
        let Value::Object(attributes) = attributes else {
            unreachable!("json!({{…}}) is an object")
        };
        self.users.push(DemoUser {
            key,
            attributes,
            manager: role.manager,
        });
        self.teams.push(None);
        key
    }

    /// A country drawn by the share of people working there.
    fn country(&mut self) -> &'static Country {
        let mut roll = self.rng.below(COUNTRIES.iter().map(|c| c.weight).sum());
        for country in &COUNTRIES {
            if roll < country.weight {
                return country;
            }
            roll -= country.weight;
        }
        &COUNTRIES[0]
    }

    /// `local`, or `local2`, `local3`… when taken; records it as taken.
    fn unique_address(&mut self, local: String) -> String {
        let mut candidate = local.clone();
        let mut suffix = 2;
        while self.addresses.contains(&candidate) {
            candidate = format!("{local}{suffix}");
            suffix += 1;
        }
        self.addresses.insert(candidate.clone());
        candidate
    }

    /// Disables a few people who manage nobody: they left.
    fn mark_leavers(&mut self) {
        let managers: BTreeSet<usize> = self.users.iter().filter_map(|u| u.manager).collect();
        let candidates: Vec<usize> = (0..self.users.len()).filter(|k| !managers.contains(k)).collect();
        let mut left = BTreeSet::new();
        while left.len() < LEAVERS.min(candidates.len()) {
            if let Some(&key) = self.rng.pick(&candidates) {
                left.insert(key);
            }
        }
        for key in left {
            if let Some(user) = self.users.get_mut(key) {
                user.attributes.insert("accountEnabled".to_owned(), Value::Bool(false));
            }
        }
    }

    fn into_demo(mut self, heads: Vec<usize>, department_users: Vec<Vec<usize>>) -> DemoOrg {
        let attribute = |user: &DemoUser, name: &str| user.attributes.get(name).cloned();
        let enabled = |user: &DemoUser| attribute(user, "accountEnabled") == Some(Value::Bool(true));
        let of_type = |kind: &str| {
            let kind = Value::String(kind.to_owned());
            self.users
                .iter()
                .filter(|u| enabled(u) && attribute(u, "employeeType").as_ref() == Some(&kind))
                .map(|u| u.key)
                .collect::<Vec<_>>()
        };
        let in_teams = |teams: &[&str]| {
            self.users
                .iter()
                .filter(|u| {
                    enabled(u)
                        && self
                            .teams
                            .get(u.key)
                            .copied()
                            .flatten()
                            .is_some_and(|t| teams.contains(&t))
                })
                .map(|u| u.key)
                .collect::<Vec<_>>()
        };

        let mut groups: Vec<DemoGroup> = DEPARTMENTS
            .iter()
            .zip(department_users)
            .map(|(department, members)| {
                group(
                    department.name,
                    &format!("Everyone in {}", department.name),
                    members,
                    Vec::new(),
                )
            })
            .collect();
        let everyone = self.users.iter().filter(|u| enabled(u)).map(|u| u.key).collect();
        groups.push(group(
            "All Employees",
            "Every active member of staff",
            everyone,
            Vec::new(),
        ));
        groups.push(group(
            "Leadership Team",
            "The CEO and the heads of department",
            heads,
            Vec::new(),
        ));
        groups.push(group(
            "Engineering Leads",
            "Engineering's head, directors and team leads",
            self.engineering_leads.clone(),
            Vec::new(),
        ));
        let managers: BTreeSet<usize> = self.users.iter().filter_map(|u| u.manager).collect();
        groups.push(group(
            "People Managers",
            "Everyone with direct reports",
            managers.into_iter().collect(),
            Vec::new(),
        ));
        let mut vpn: BTreeSet<usize> = in_teams(&VPN_TEAMS).into_iter().collect();
        let remote: Vec<usize> = self.users.iter().filter(|u| enabled(u)).map(|u| u.key).collect();
        for key in remote {
            if self.rng.below(100) < 20 {
                vpn.insert(key);
            }
        }
        groups.push(group(
            "VPN Users",
            "Allowed to connect to the corporate VPN",
            vpn.into_iter().collect(),
            Vec::new(),
        ));
        groups.push(group(
            "Contractors",
            "External contractors: access reviewed quarterly",
            of_type("Contractor"),
            Vec::new(),
        ));
        groups.push(group("Interns", "This year's interns", of_type("Intern"), Vec::new()));
        let phoenix: Vec<usize> = in_teams(&PHOENIX_TEAMS)
            .into_iter()
            .filter(|_| self.rng.below(100) < 60)
            .collect();
        groups.push(group(
            "Project Phoenix",
            "The customer portal relaunch: engineering, product marketing and compliance",
            phoenix,
            Vec::new(),
        ));
        let go_to_market = GO_TO_MARKET
            .iter()
            .filter_map(|name| DEPARTMENTS.iter().position(|d| d.name == *name))
            .collect();
        groups.push(group(
            "Go-To-Market",
            "Sales, Marketing and Customer Support (a group of groups)",
            Vec::new(),
            go_to_market,
        ));
        DemoOrg {
            users: self.users,
            groups,
        }
    }
}

fn group(name: &str, description: &str, member_users: Vec<usize>, member_groups: Vec<usize>) -> DemoGroup {
    let mut attributes = Map::new();
    attributes.insert("displayName".to_owned(), Value::from(name));
    attributes.insert("description".to_owned(), Value::from(description));
    attributes.insert("mailNickname".to_owned(), Value::from(mail_nickname(name)));
    DemoGroup {
        attributes,
        member_users,
        member_groups,
    }
}

/// "Go-To-Market" → "go-to-market", "FP&A" → "fpa", "All Employees" →
/// "all-employees".
fn mail_nickname(name: &str) -> String {
    name.split_whitespace().map(ascii_fold).collect::<Vec<_>>().join("-")
}

/// A name as the local part of an address: lowercase ASCII letters, digits
/// and hyphens; letters with diacritics lose them (José → jose, Łukasz →
/// lukasz, Weiß → weiss), spaces and apostrophes go (O'Brien → obrien, de
/// Vries → devries), anything else is dropped.
fn ascii_fold(name: &str) -> String {
    let mut folded = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' | '-' => folded.push(c),
            _ => folded.push_str(fold(c)),
        }
    }
    folded
}

fn fold(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' | 'ă' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'į' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => "",
    }
}

/// SplitMix64: tiny, fast, and good enough to pick names and offices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// An index into a slice of `len` items.
    fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(u64::try_from(len).unwrap_or(u64::MAX))).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let index = self.index(items.len());
        items.get(index)
    }

    /// `pattern` with each `#` replaced by a random digit.
    fn digits(&mut self, pattern: &str) -> String {
        pattern
            .chars()
            .map(|c| {
                if c == '#' {
                    char::from(b'0' + u8::try_from(self.below(10)).unwrap_or(0))
                } else {
                    c
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
