//! The pages in a real headless Chromium, driven over WebDriver (chromedriver + fantoccini):
//! the real app on port 0 with a fresh SQLite database (the API harness's `TestApp`), one
//! browser session per test file so that each runs in seconds. Screenshots of
//! the main pages go to `target/screenshots/` for people to look at.
//!
//! Without `/usr/bin/chromedriver` (or `PONTE_CHROMEDRIVER`) the test FAILS with a message
//! saying what to install: a browser test that passes without a browser would be a lie.
#![allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

// One module per area of the pages; each starts its own app and browser.
mod board;
mod e2e;
mod pages;
mod people;
mod registry;
mod reports;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, TimeDelta, Utc};
use fantoccini::{Client, ClientBuilder, Locator};
use helpers::{Backend, TestApp};
use ponte::auth;
use ponte::entity::{assignment, availability_exception, availability_rule, request, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

const PASSWORD: &str = "una-password-lunga";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts chromedriver on a free port and waits until it listens.
fn start_chromedriver() -> (Driver, u16) {
    let path =
        std::env::var("PONTE_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    assert!(
        std::path::Path::new(&path).exists(),
        "browser tests need chromedriver at {path} (Debian: apt-get install chromium chromium-driver; \
         or set PONTE_CHROMEDRIVER); they fail rather than pass without a browser"
    );
    let port = free_port();
    let child = Command::new(&path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {path}: {e}"));
    let driver = Driver(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "chromedriver did not listen on port {port} within 15 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (driver, port)
}

async fn browser(port: u16) -> Client {
    let binary = std::env::var("PONTE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": binary,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=it-IT", "--force-device-scale-factor=1"]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session through chromedriver")
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots");
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).expect("screenshot saved");
}

/// Sets an input's value as a user picking from the browser's own date/time widget would.
async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1]; \
         e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("setting #{id}: {e}"));
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn exists(c: &Client, css: &str) -> bool {
    !c.find_all(Locator::Css(css)).await.unwrap().is_empty()
}

async fn path_of(c: &Client) -> String {
    let url = c.current_url().await.unwrap();
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

async fn login(c: &Client, app: &TestApp, email: &str, password: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    let button = c
        .find(Locator::Css("form[action='/login'] button[type=submit]"))
        .await
        .unwrap();
    navigate_by(c, button.click()).await;
}

/// Runs `action` (a click that submits a form) and waits until the next page has loaded:
/// WebDriver's click may return before the navigation it starts has finished.
async fn navigate_by<F>(c: &Client, action: F)
where
    F: std::future::IntoFuture<Output = Result<(), fantoccini::error::CmdError>>,
{
    c.execute("window.__ponte_old_page = true;", vec![])
        .await
        .unwrap();
    action.await.expect("the click");
    let started = Instant::now();
    loop {
        let done = c
            .execute(
                "return window.__ponte_old_page === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .unwrap_or(json!(false));
        if done == json!(true) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no new page within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn logout(c: &Client) {
    let button = c
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap();
    navigate_by(c, button.click()).await;
    assert!(
        path_of(c).await.starts_with("/login"),
        "logout leads to the login page"
    );
}

async fn submit(c: &Client, form_css: &str) {
    let button = c
        .find(Locator::Css(&format!("{form_css} button[type=submit]")))
        .await
        .unwrap_or_else(|e| panic!("no submit button in {form_css}: {e}"));
    navigate_by(c, button.click()).await;
}

async fn wait_for_path(c: &Client, suffix: &str) {
    let started = Instant::now();
    loop {
        let path = path_of(c).await;
        if path.ends_with(suffix) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "expected a URL ending in {suffix}, at {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A test app whose users all have the password `PASSWORD`, chromedriver, and a browser.
/// Keep the returned `Driver` alive for the test's duration.
async fn open_browser(app: &TestApp) -> (Driver, Client) {
    let (driver, port) = start_chromedriver();
    let hash = auth::hash_password(PASSWORD).unwrap();
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .exec(&app.db)
        .await
        .unwrap();
    (driver, browser(port).await)
}
