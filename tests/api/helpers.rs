//! The test harness: `TestApp::spawn(backend)` starts Ponte on a random port with a fresh
//! database (a SQLite file in a temporary folder, or a new PostgreSQL database) and a small
//! world: two organisations (A, B) with a site each, one mediator profile, and a user with a
//! bearer token for every role.
#![allow(dead_code)]

use chrono::Utc;
use ponte::account::{self, NewUser};
use ponte::auth::Role;
use ponte::clock::ManualClock;
use ponte::config::Config;
use ponte::entity::{mediator, organisation, site};
use ponte::startup::Application;
use ponte::storage;
use reqwest::{Method, Response};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body on both backends: `both!(name)` defines `name::sqlite` and
/// `name::postgres` calling `name(Backend)`; the PostgreSQL one is ignored (reported as
/// skipped) when the suite was built without `PONTE_TEST_POSTGRES_URL`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(ponte_pg), ignore = "PostgreSQL tests need PONTE_TEST_POSTGRES_URL")]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

pub struct User {
    pub id: i64,
    pub token: String,
}

pub struct TestApp {
    pub address: String,
    /// The application's clock: set by the test, it moves only when told.
    pub clock: std::sync::Arc<ManualClock>,
    /// The application's state, for calling services (a worker's sweep) directly.
    pub state: ponte::startup::AppState,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub org_a: i64,
    pub org_b: i64,
    pub site_a: i64,
    pub site_b: i64,
    pub mediator_id: i64,
    pub admin: User,
    pub coordinator: User,
    pub requester_a: User,
    pub requester_b: User,
    pub mediator: User,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh database URL for one test.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("ponte.db").display()
            );
            (url, Some(dir))
        }
        Backend::Postgres => {
            let base = std::env::var("PONTE_TEST_POSTGRES_URL")
                .expect("PONTE_TEST_POSTGRES_URL must be set for PostgreSQL tests");
            let name = format!("ponte_test_{}", uuid_like());
            let admin = storage::connect(&base).await.expect("PostgreSQL reachable");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("CREATE DATABASE");
            admin.close().await.ok();
            let url = match base.rfind('/') {
                Some(slash) if slash > "postgres://".len() => format!("{}/{name}", &base[..slash]),
                _ => format!("{base}/{name}"),
            };
            (url, None)
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// As `spawn`, with the configuration adjusted first (SMTP server, time limits…).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let (url, dir) = fresh_database(backend).await;
        let db = storage::connect_and_migrate(&url)
            .await
            .expect("migrated database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut config = Config::for_database(&url);
        adjust(&mut config);
        let clock = ManualClock::at(Utc::now());
        let app = Application::on(listener, db.clone(), config).with_clock(clock.clone());
        let address = format!("http://{}", app.local_addr());
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped());

        let now = Utc::now();
        let org = |name: &str| organisation::ActiveModel {
            name: Set(name.to_string()),
            kind: Set("school".into()),
            timezone: Set("Europe/Rome".into()),
            contact_email: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let org_a = org("IC Convenevole, Prato").insert(&db).await.unwrap().id;
        let org_b = org("IC Anna Frank, Pistoia").insert(&db).await.unwrap().id;
        let place = |organisation_id: i64, name: &str, lat: f64, lon: f64| site::ActiveModel {
            organisation_id: Set(organisation_id),
            name: Set(name.to_string()),
            address: Set(format!("{name}, via Roma 1")),
            lat: Set(lat),
            lon: Set(lon),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let site_a = place(org_a, "Plesso Mazzoni", 43.8777, 11.0955)
            .insert(&db)
            .await
            .unwrap()
            .id;
        let site_b = place(org_b, "Plesso Frank", 43.933, 10.916)
            .insert(&db)
            .await
            .unwrap()
            .id;
        let mediator_id = mediator::ActiveModel {
            name: Set("Li Wei".into()),
            email: Set(Some("li.wei@mediatori.example".into())),
            phone: Set(None),
            languages: Set(json!(["zh", "it"])),
            tags: Set(json!([])),
            modalities: Set(json!(["in_person", "phone", "video"])),
            home_site_id: Set(None),
            home_address: Set(Some("Via Pistoiese 100, Prato".into())),
            home_lat: Set(Some(43.884)),
            home_lon: Set(Some(11.08)),
            max_weekly_minutes: Set(Some(1800)),
            timezone: Set("Europe/Rome".into()),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap()
        .id;

        let user = |email: &str,
                    role: Role,
                    organisation_id: Option<i64>,
                    mediator_id: Option<i64>| NewUser {
            email: email.to_string(),
            name: email.to_string(),
            role,
            organisation_id,
            mediator_id,
            password: None,
            locale: "it".into(),
        };
        let mut make = Vec::new();
        for new in [
            user("admin@ponte.example", Role::Admin, None, None),
            user("coord@ponte.example", Role::Coordinator, None, None),
            user("segreteria@a.example", Role::Requester, Some(org_a), None),
            user("segreteria@b.example", Role::Requester, Some(org_b), None),
            user(
                "li.wei@mediatori.example",
                Role::Mediator,
                None,
                Some(mediator_id),
            ),
        ] {
            let created = account::create_user(&db, new).await.unwrap();
            let token = account::issue_token_for(&db, created.id, None)
                .await
                .unwrap();
            make.push(User {
                id: created.id,
                token,
            });
        }
        let mut users = make.into_iter();
        let mut next = || users.next().unwrap();
        TestApp {
            address,
            clock,
            state,
            db,
            client: reqwest::Client::new(),
            backend,
            org_a,
            org_b,
            site_a,
            site_b,
            mediator_id,
            admin: next(),
            coordinator: next(),
            requester_a: next(),
            requester_b: next(),
            mediator: next(),
            _dir: dir,
        }
    }

    /// The application's "now".
    pub fn clock_now(&self) -> chrono::DateTime<Utc> {
        use ponte::clock::Clock;
        self.clock.now()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request as `token` (None: anonymous) with an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the server answers")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }
}

/// The `name=value` pair of the cookie `name` that `response` sets, ready for a `Cookie`
/// header.
pub fn set_cookie(response: &Response, name: &str) -> String {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&prefix))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie set"))
        .to_string()
}

/// Status and JSON body of a response.
pub async fn json_of(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Asserts a problem+json response with `status` whose `errors` map names `field`.
pub async fn assert_problem(response: Response, status: u16, field: Option<&str>) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let (got, body) = json_of(response).await;
    assert_eq!(got, status, "body: {body}");
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["status"], status);
    if let Some(field) = field {
        assert!(
            body["errors"][field].is_string(),
            "expected an error for `{field}`, got {body}"
        );
    }
    body
}
