//! Directory writes and reads through SCIM over loopback HTTP, on a SQLite
//! file: users created per second (one POST each), and a filtered read of
//! one user by userName, and by an unindexed attribute, in a 100,000-user
//! directory. Figures go to docs/performance.md.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_server::directory::UserDraft;
use provisio_server::{RunningServer, Server, ServerConfig};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const DIRECTORY_SIZE: usize = 100_000;
const DEPARTMENTS: [&str; 3] = ["Sales", "Engineering", "Finance"];

struct Bench {
    runtime: Runtime,
    server: RunningServer,
    http: reqwest::Client,
    token: String,
    _dir: tempfile::TempDir,
}

impl Bench {
    fn start() -> Bench {
        let runtime = Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let (server, token) = runtime.block_on(async {
            let server = Server::start(ServerConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                database_url: url,
                portal_dir: dir.path().join("dist"),
            })
            .await
            .unwrap();
            let request = TokenCreateRequest {
                name: None,
                scope: TokenScope::Scim,
                job: None,
                agent: None,
                expires_in: None,
            };
            let token = provisio_server::auth::Tokens::new(server.store())
                .create(&request)
                .await
                .unwrap()
                .token
                .expose()
                .to_owned();
            (server, token)
        });
        Bench {
            runtime,
            server,
            http: reqwest::Client::new(),
            token,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/scim/v2{path}", self.server.base_url())
    }

    async fn post_user(&self, user_name: &str) {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": "Bench", "familyName": "User"},
            "emails": [{"type": "work", "value": user_name}],
            "active": true
        });
        let response = self
            .http
            .post(self.url("/Users"))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }

    async fn filtered(&self, filter: &str) -> Value {
        let response = self
            .http
            .get(reqwest::Url::parse_with_params(&self.url("/Users"), [("filter", filter)]).unwrap())
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Fills the directory to `size` users in large transactions (setup,
    /// not measured).
    async fn fill(&self, size: usize) {
        let directory = self.server.store().directory();
        let have = directory.user_count().await.unwrap();
        for chunk_start in (have..size).step_by(5_000) {
            let drafts = (chunk_start..(chunk_start + 5_000).min(size))
                .map(|n| UserDraft {
                    attributes: json!({
                        "department": DEPARTMENTS[n % DEPARTMENTS.len()],
                        "userPrincipalName": format!("user{n}@contoso.com"),
                        "displayName": format!("User {n}"),
                        "jobTitle": if n == size / 2 { "Unique Title" } else { "Staff" },
                    })
                    .as_object()
                    .unwrap()
                    .clone(),
                    scim_extra: None,
                })
                .collect();
            directory.create_users(drafts).await.unwrap();
        }
    }
}

fn scim(c: &mut Criterion) {
    let bench = Bench::start();
    let mut group = c.benchmark_group("scim");
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    let next = AtomicU64::new(0);
    group.bench_function("create user (POST /Users)", |b| {
        b.iter(|| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            bench
                .runtime
                .block_on(bench.post_user(&format!("created{n}@contoso.com")));
        })
    });

    bench.runtime.block_on(bench.fill(DIRECTORY_SIZE));
    let middle = format!("userName eq \"user{}@contoso.com\"", DIRECTORY_SIZE / 2);
    group.bench_function("filter userName eq, 100k users", |b| {
        b.iter(|| {
            let found = bench.runtime.block_on(bench.filtered(&middle));
            assert_eq!(found["totalResults"], 1);
        })
    });
    group.sample_size(10);
    group.bench_function("filter title eq (unindexed scan), 100k users", |b| {
        b.iter(|| {
            let found = bench.runtime.block_on(bench.filtered("title eq \"Unique Title\""));
            assert_eq!(found["totalResults"], 1);
        })
    });
    group.finish();
}

criterion_group!(benches, scim);
criterion_main!(benches);
