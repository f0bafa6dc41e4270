//! The portal's accessibility in headless Chromium (issue 6): axe-core's
//! WCAG 2 A/AA rules on every page against the real server with the demo
//! organisation, and the keyboard: sign-in reachable and submitted by keys,
//! no positive tabindex or clickable non-focusable elements, and a visible
//! focus indicator on every tab stop.

use std::fmt;
use std::path::PathBuf;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use provisio_api::logs::{Identity, LogAction, LogEntry, LogStatus, ModifiedAttribute, RunKind};
use provisio_server::jobs::Jobs;
use provisio_server::secrets::SecretBox;
use serde_json::{Value, json};

use crate::browser::{ADMIN, ADMIN_PASSWORD, Portal, TestResult, e2e_enabled};

/// The rule sets axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and
/// axe's best practices (landmarks, heading order).
const AXE_TAGS: [&str; 6] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/// Impacts that fail the audit. Moderate ones too: the portal has none,
/// and most are landmark and heading mistakes that are cheap to avoid.
/// Minor ones are printed.
const FAILING_IMPACTS: [&str; 3] = ["moderate", "serious", "critical"];

/// Violations that are known and waiting for their fix, printed
/// but not failing: (rule, a fragment of every target, where to fix it).
/// None today; the list stays so that a finding can be parked with the
/// place of its fix rather than silenced.
const KNOWN: [(&str, &str, &str); 0] = [];

/// Runs axe on the document and hands back its violations in a shape
/// small enough to deserialize (axe's own results hold whole DOM snippets).
const RUN_AXE: &str = "
    const done = arguments[arguments.length - 1];
    axe.run(document, {
        runOnly: { type: 'tag', values: arguments[0] },
        resultTypes: ['violations'],
    }).then(
        (results) => done(results.violations.map((v) => ({
            id: v.id,
            impact: v.impact || 'unknown',
            help: v.help,
            targets: v.nodes.map((n) => n.target.join(' ')),
        }))),
        (error) => done(String(error)),
    );
";

struct Violation {
    id: String,
    impact: String,
    help: String,
    targets: Vec<String>,
}

impl Violation {
    fn from_json(v: &Value) -> Violation {
        let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
        Violation {
            id: text("id"),
            impact: text("impact"),
            help: text("help"),
            targets: v["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        }
    }
}

/// One violation on one page.
struct Finding {
    page: String,
    violation: Violation,
}

impl Finding {
    /// Where a [`KNOWN`] violation is to be fixed.
    fn known_fix(&self) -> Option<&'static str> {
        let Violation { id, targets, .. } = &self.violation;
        KNOWN
            .iter()
            .find(|(rule, fragment, _)| id == rule && targets.iter().all(|t| t.contains(fragment)))
            .map(|(_, _, fix)| *fix)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Violation {
            id,
            impact,
            help,
            targets,
        } = &self.violation;
        write!(f, "{} [{impact}] {id}: {help} — {}", self.page, targets.join(", "))
    }
}

fn axe_source() -> TestResult<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../xtask/tools/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {} ({e}): run `npm install` in xtask/tools (cargo xtask test does)",
            path.display()
        )
        .into()
    })
}

/// Collects axe's findings page by page.
struct Audit {
    axe: String,
    findings: Vec<Finding>,
}

impl Audit {
    fn new() -> TestResult<Audit> {
        Ok(Audit {
            axe: axe_source()?,
            findings: Vec::new(),
        })
    }

    /// Opens `path`, waits for `ready`, then audits what is on screen.
    async fn page(&mut self, portal: &Portal, path: &str, ready: &str) -> TestResult {
        portal.goto(path, ready).await?;
        self.current(portal, path).await
    }

    /// Audits the page as it is now, under the name `page`.
    async fn current(&mut self, portal: &Portal, page: &str) -> TestResult {
        let client = portal.client();
        // Each navigation is a fresh document: axe is injected again. Through
        // WebDriver rather than a <script> element, which a CSP may refuse.
        client.execute(&self.axe, Vec::new()).await?;
        let answer = client.execute_async(RUN_AXE, vec![json!(AXE_TAGS)]).await?;
        let violations = answer
            .as_array()
            .ok_or_else(|| format!("axe on {page} answered {answer}"))?;
        self.findings.extend(violations.iter().map(|v| Finding {
            page: page.to_owned(),
            violation: Violation::from_json(v),
        }));
        Ok(())
    }

    /// Prints every finding; fails listing those of a failing impact.
    fn verdict(self) -> TestResult {
        let (failing, others): (Vec<_>, Vec<_>) = self
            .findings
            .into_iter()
            .partition(|f| FAILING_IMPACTS.contains(&f.violation.impact.as_str()));
        let (known, failing): (Vec<_>, Vec<_>) = failing.into_iter().partition(|f| f.known_fix().is_some());
        for finding in &known {
            let fix = finding.known_fix().unwrap_or_default();
            eprintln!("axe (known, to fix in {fix}): {finding}");
        }
        for finding in &others {
            eprintln!("axe (not failing): {finding}");
        }
        if failing.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = failing.iter().map(ToString::to_string).collect();
        Err(format!(
            "{} accessibility violations of moderate impact or worse:\n{}",
            list.len(),
            list.join("\n")
        )
        .into())
    }
}

async fn create_job(portal: &Portal) -> TestResult<String> {
    let definition = serde_json::from_value(json!({
        "name": "Accessible",
        "target": {"kind": "scim", "base_url": "http://127.0.0.1:9/scim"},
        "objects": [
            {"source": "user", "target": "User", "mappings": [
                {"target": "userName", "expression": "[userPrincipalName]", "match_precedence": 1},
                {"target": "displayName", "expression": "[displayName]"}
            ]}
        ]
    }))?;
    let jobs = Jobs::new(portal.server().store().clone(), SecretBox::ephemeral()?);
    Ok(jobs.create(definition).await?.id)
}

/// A failed update with all the detail the entry page shows.
async fn log_entry(portal: &Portal) -> TestResult<String> {
    let entry = LogEntry {
        id: "a11y-1".into(),
        time: "2026-11-20T09:00:00.000Z".into(),
        job_id: "job-1".into(),
        job_name: "Acme SCIM".into(),
        run: RunKind::Cycle,
        cycle_id: "cycle-1".into(),
        change_id: None,
        action: LogAction::Update,
        status: LogStatus::Failure,
        source: Identity::new("user-1", "grace@contoso.com"),
        target: Identity::default(),
        modified: vec![ModifiedAttribute {
            name: "title".into(),
            old: "Engineer".into(),
            new: "Admiral".into(),
        }],
        steps: json!([
            {"kind": "import", "status": "success", "description": "Read the user from the directory"},
            {"kind": "action", "status": "failure", "description": "The application refused the update"}
        ]),
        error_code: Some("TooManyRequests".into()),
        reason: Some("the application answered 429".into()),
        recommended_action: Some("Wait; the next cycle retries it.".into()),
        duration_ms: 42,
        initiated_by: Default::default(),
        source_system: Default::default(),
        target_system: Default::default(),
    };
    let id = entry.id.clone();
    portal.server().store().logs().append(&[entry]).await?;
    Ok(id)
}

/// Clicks `button` and waits for what it shows.
async fn reveal(portal: &Portal, button: &str, shown: &str) -> TestResult {
    portal.find(button).await?.click().await?;
    portal.wait_for(shown).await?;
    Ok(())
}

/// The `href` of the first element matching `selector`.
async fn href(portal: &Portal, selector: &str) -> TestResult<String> {
    let link = portal.find(selector).await?;
    Ok(link
        .attr("href")
        .await?
        .ok_or_else(|| format!("{selector} has no href"))?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver, the built portal and axe-core (cargo xtask test)"]
async fn axe_finds_nothing_above_minor_on_any_page() -> TestResult {
    if !e2e_enabled("axe_finds_nothing_above_minor_on_any_page") {
        return Ok(());
    }
    let mut audit = Audit::new()?;
    let portal = Portal::open_signed_in("/", ".overview h1").await?;
    let job = create_job(&portal).await?;
    let entry = log_entry(&portal).await?;

    audit.page(&portal, "/", ".overview h1").await?;
    audit
        .page(&portal, "/directory/users", "table.users-list tbody tr")
        .await?;
    reveal(&portal, "button[aria-controls='new-user']", "#new-user:not([hidden])").await?;
    audit.current(&portal, "/directory/users (new user form)").await?;
    let user = href(&portal, "table.users-list tbody a").await?;
    audit.page(&portal, &user, "#attr-jobTitle").await?;
    reveal(&portal, ".confirm > button.danger", ".confirm-question:not([hidden])").await?;
    audit
        .current(&portal, &format!("{user} (confirming a deletion)"))
        .await?;
    audit
        .page(&portal, "/directory/groups", "table.groups-list tbody tr")
        .await?;
    reveal(&portal, "button[aria-controls='new-group']", "#new-group:not([hidden])").await?;
    audit.current(&portal, "/directory/groups (new group form)").await?;
    let group = href(&portal, "table.groups-list tbody a").await?;
    audit.page(&portal, &group, "#member-search").await?;
    audit.page(&portal, "/jobs", ".jobs-table, .empty").await?;
    audit.page(&portal, "/jobs/new", "#new-name").await?;
    // The LDAP form with a server problem under a field (a blank bind DN).
    for (field, text) in [
        ("#ldap-name", "LDAP"),
        ("#ldap-url", "ldap://127.0.0.1:1"),
        ("#ldap-bind-dn", " "),
        ("#ldap-users", "ou=people,dc=example,dc=org"),
    ] {
        portal.find(field).await?.send_keys(text).await?;
    }
    portal
        .find("section[aria-labelledby='ldap-title'] button[type='submit']")
        .await?
        .click()
        .await?;
    portal.wait_for("#ldap-bind-dn-problem:not([hidden])").await?;
    audit
        .current(&portal, "/jobs/new (an LDAP form with a problem)")
        .await?;
    for (tab, ready) in [
        ("connection", "#connection-url"),
        ("mappings", "#mappings-table"),
        ("scoping", "#add-filter"),
        ("preview", "#preview-counts"),
        ("on-demand", "#on-demand-search"),
        ("settings", ".job-status .status-state"),
        ("definition", "#definition-text"),
    ] {
        audit.page(&portal, &format!("/jobs/{job}/{tab}"), ready).await?;
    }
    // The mapping editor opens in place, with the expression editor.
    portal.goto(&format!("/jobs/{job}/mappings"), "#mappings-table").await?;
    portal.find("#mapping-1-edit").await?.click().await?;
    portal.wait_for("#expression").await?;
    audit
        .current(&portal, &format!("/jobs/{job}/mappings (editing a mapping)"))
        .await?;
    // An inbound job's own tab, and its mapping editor's sample record.
    let jobs = Jobs::new(portal.server().store().clone(), SecretBox::ephemeral()?);
    let inbound = jobs.create(provisio_engine::job::templates::inbound("HR")).await?.id;
    audit
        .page(&portal, &format!("/jobs/{inbound}/inbound"), "#inbound-endpoint")
        .await?;
    audit
        .page(&portal, &format!("/jobs/{inbound}/mappings"), "#mappings-table")
        .await?;
    audit.page(&portal, "/logs", ".log-table tbody tr").await?;
    audit
        .page(&portal, &format!("/logs/{entry}"), ".recommended-action")
        .await?;
    audit.page(&portal, "/agents", ".agents-empty").await?;
    // An agent registered: its row, its token shown once and its tokens.
    portal.find("#agent-name").await?.send_keys("datacenter-1").await?;
    portal.find("#create-agent-token").await?.click().await?;
    portal.wait_for("tr[data-agent='datacenter-1']").await?;
    portal.wait_for(".agent-tokens .tokens-table").await?;
    audit.current(&portal, "/agents (an agent registered)").await?;
    audit
        .page(
            &portal,
            "/settings/notifications",
            "form.notifications-form:not([hidden])",
        )
        .await?;
    audit.page(&portal, "/playground", "#result-value").await?;
    // A mistake: the diagnostics and the underline have colours of their own.
    portal.find("#expression").await?.send_keys("(").await?;
    portal.wait_for("mark.diag").await?;
    audit.current(&portal, "/playground (with a problem)").await?;

    portal.find(".sign-out").await?.click().await?;
    audit.page(&portal, "/signin", "#sign-in-name").await?;
    portal.find("#sign-in-name").await?.send_keys(ADMIN).await?;
    portal
        .find("#sign-in-password")
        .await?
        .send_keys("wrong\u{E007}")
        .await?;
    portal.wait_for(".error-note").await?;
    audit.current(&portal, "/signin (refused)").await?;

    portal.finish().await;
    audit.verdict()
}

/// Presses and releases one key on whatever has the focus.
async fn press(portal: &Portal, key: Key) -> TestResult {
    let key = char::from(key);
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    portal.client().perform_actions(keys).await?;
    Ok(())
}

/// Types `text` into whatever has the focus.
async fn type_text(portal: &Portal, text: &str) -> TestResult {
    let mut keys = KeyActions::new("keyboard".into());
    for c in text.chars() {
        keys = keys.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
    }
    portal.client().perform_actions(keys).await?;
    Ok(())
}

/// The focused element, described as `tag#id.class`.
async fn focused(portal: &Portal) -> TestResult<String> {
    let script = "const e = document.activeElement;\
                  return e ? e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') \
                  + (e.getAttribute('type') ? '[type=' + e.getAttribute('type') + ']' : '') : '';";
    Ok(portal
        .client()
        .execute(script, Vec::new())
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Tabs from the start of the document until `wanted` has the focus;
/// returns the stops passed on the way.
async fn tab_to(portal: &Portal, wanted: &str, limit: usize) -> TestResult<Vec<String>> {
    let mut passed = Vec::new();
    for _ in 0..limit {
        press(portal, Key::Tab).await?;
        let now = focused(portal).await?;
        if now == wanted {
            return Ok(passed);
        }
        passed.push(now);
    }
    Err(format!("Tab never reached {wanted}; it passed {passed:?}").into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn sign_in_works_from_the_keyboard_alone() -> TestResult {
    if !e2e_enabled("sign_in_works_from_the_keyboard_alone") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/", ".who-name").await?;
    portal.find(".sign-out").await?.click().await?;
    // A fresh document, so that Tab starts from its beginning.
    portal.goto("/signin", "#sign-in-name").await?;

    // The header's links come first; the form's fields follow in order.
    tab_to(&portal, "input#sign-in-name", 20).await?;
    type_text(&portal, ADMIN).await?;
    press(&portal, Key::Tab).await?;
    assert_eq!(focused(&portal).await?, "input#sign-in-password[type=password]");
    type_text(&portal, ADMIN_PASSWORD).await?;
    press(&portal, Key::Tab).await?;
    assert_eq!(focused(&portal).await?, "button[type=submit]");

    // Back to the password field, where Enter submits the form.
    let shift = char::from(Key::Shift);
    let tab = char::from(Key::Tab);
    let back = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: shift })
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab })
        .then(KeyAction::Up { value: shift });
    portal.client().perform_actions(back).await?;
    assert_eq!(focused(&portal).await?, "input#sign-in-password[type=password]");
    press(&portal, Key::Enter).await?;
    portal.wait_for(".who-name").await?;
    portal.finish().await;
    Ok(())
}

/// `url::ParseError`, named through reqwest's re-export of `Url`.
type UrlError = <reqwest::Url as std::str::FromStr>::Err;

/// A Chrome DevTools Protocol command, through chromedriver's
/// `goog/cdp/execute` endpoint (WebDriver has no way to run a script before
/// the page's own).
#[derive(Debug)]
struct Cdp {
    command: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &reqwest::Url, session_id: Option<&str>) -> Result<reqwest::Url, UrlError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.command, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Before any script of every document from now on, marks the elements that
/// get a click listener (`__a11yClick`), for [`KEYBOARD_PROBLEMS`]: a page
/// cannot list the listeners of an element otherwise.
async fn mark_click_listeners(portal: &Portal) -> TestResult {
    let source = "const add = EventTarget.prototype.addEventListener;\
                  EventTarget.prototype.addEventListener = function (type, ...rest) {\
                      if (type === 'click' && this instanceof Element) this.__a11yClick = true;\
                      return add.call(this, type, ...rest);\
                  };";
    portal
        .client()
        .issue_cmd(Cdp {
            command: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": source }),
        })
        .await?;
    Ok(())
}

/// Lists, on the current page, what keyboard users cannot reach or see:
/// positive tabindex, elements with a click listener or an interactive role
/// that take no focus, and interactive elements that nothing marks when focused.
const KEYBOARD_PROBLEMS: &str = "
    const problems = [];
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
    const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
    for (const e of document.querySelectorAll('[tabindex]')) {
        if (e.tabIndex > 0) problems.push('positive tabindex on ' + name(e));
    }
    const interactive = 'a, button, input, select, textarea, summary, [role=button], [role=link], '
        + '[role=checkbox], [role=switch], [role=menuitem], [role=option], [role=radio]';
    for (const e of document.querySelectorAll('*')) {
        if (!visible(e) || e.disabled || e.closest('[inert]')) continue;
        const clickable = e.__a11yClick === true || e.matches(interactive);
        // A link without href is text; an input of type hidden is not there.
        if (e.matches('a:not([href]), input[type=hidden]') && e.__a11yClick !== true) continue;
        // Children of a focusable widget (a label's text, a button's icon) are reached through it.
        if (clickable && e.tabIndex < 0 && !e.closest('label')) {
            problems.push('cannot be focused: ' + name(e));
        }
    }
    const look = (e) => {
        const s = getComputedStyle(e);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' ');
    };
    for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
        if (!visible(e) || e.disabled) continue;
        e.blur();
        const before = look(e);
        e.focus({ focusVisible: true });
        if (document.activeElement !== e) continue;
        const after = look(e);
        e.blur();
        if (before === after) problems.push('no visible focus on ' + name(e));
    }
    return problems;
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium, chromedriver and the built portal (cargo xtask test)"]
async fn every_control_takes_a_visible_keyboard_focus() -> TestResult {
    if !e2e_enabled("every_control_takes_a_visible_keyboard_focus") {
        return Ok(());
    }
    let portal = Portal::open_signed_in("/", ".overview h1").await?;
    mark_click_listeners(&portal).await?;
    portal.goto("/", ".overview h1").await?;
    let job = create_job(&portal).await?;
    let entry = log_entry(&portal).await?;
    let pages = [
        ("/".to_owned(), ".overview h1"),
        ("/directory/users".to_owned(), "table.users-list tbody tr"),
        ("/directory/groups".to_owned(), "table.groups-list tbody tr"),
        ("/jobs".to_owned(), ".jobs-table, .empty"),
        ("/jobs/new".to_owned(), "#new-name"),
        (format!("/jobs/{job}/connection"), "#connection-url"),
        (format!("/jobs/{job}/mappings"), "#mappings-table"),
        (format!("/jobs/{job}/scoping"), "#add-filter"),
        (format!("/jobs/{job}/settings"), ".job-status .status-state"),
        ("/logs".to_owned(), ".log-table tbody tr"),
        (format!("/logs/{entry}"), ".recommended-action"),
        ("/playground".to_owned(), "#result-value"),
    ];
    // The probe itself first: it must see a clickable div, a positive
    // tabindex and a button whose focus leaves no mark.
    portal
        .client()
        .execute(
            "const div = document.createElement('div');\
             div.id = 'planted-click'; div.textContent = 'x'; div.addEventListener('click', () => {});\
             const button = document.createElement('button');\
             button.id = 'planted-button'; button.textContent = 'x'; button.tabIndex = 2;\
             button.style.outline = 'none';\
             document.querySelector('main').append(div, button);",
            Vec::new(),
        )
        .await?;
    // And the portal's own click handlers are seen.
    let delegated = portal
        .client()
        .execute(
            "return document.querySelector('.sign-out').__a11yClick === true;",
            Vec::new(),
        )
        .await?;
    assert_eq!(delegated, json!(true), "Sign out's click listener went unnoticed");
    press(&portal, Key::Shift).await?;
    let seen = portal
        .client()
        .execute(KEYBOARD_PROBLEMS, Vec::new())
        .await?
        .to_string();
    for planted in [
        "cannot be focused: div#planted-click",
        "positive tabindex on button#planted-button",
        "no visible focus on button#planted-button",
    ] {
        assert!(seen.contains(planted), "the probe missed {planted:?}: {seen}");
    }

    let mut problems = Vec::new();
    for (path, ready) in &pages {
        portal.goto(path, ready).await?;
        // A key press first, so that Chromium treats later focus as keyboard focus.
        press(&portal, Key::Shift).await?;
        let found = portal.client().execute(KEYBOARD_PROBLEMS, Vec::new()).await?;
        let found = found.as_array().cloned().unwrap_or_default();
        problems.extend(
            found
                .iter()
                .map(|p| format!("{path}: {}", p.as_str().unwrap_or_default())),
        );
    }
    portal.finish().await;
    assert!(problems.is_empty(), "keyboard problems:\n{}", problems.join("\n"));
    Ok(())
}
