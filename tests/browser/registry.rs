//! Registry editing and the audit log: a coordinator adds an organisation and its site
//! (a bad latitude first, then a point picked on the map), changes a mediator's languages,
//! creates a requester account whose one-time password then logs in, and finds the
//! organisation's creation in the audit log, also on a phone.
use super::*;
use ponte::entity::{mediator, organisation, site};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_and_audit_in_a_real_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_driver, c) = open_browser(&app).await;
    let result = tokio::time::timeout(Duration::from_secs(120), flows(&c, &app)).await;
    let _ = c.close().await;
    result.expect("the registry flows took over 120 s");
}

async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn type_into(c: &Client, id: &str, text: &str) {
    let input = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"));
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
        vec![json!(css)],
    )
    .await
    .unwrap();
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

async fn described_by(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .attr("aria-describedby")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn no_horizontal_scroll(c: &Client) -> bool {
    c.execute(
        "return document.documentElement.scrollWidth <= window.innerWidth;",
        vec![],
    )
    .await
    .unwrap()
        == json!(true)
}

async fn flows(c: &Client, app: &TestApp) {
    login(c, app, "coord@ponte.example", PASSWORD).await;
    c.goto(&app.url("/coord/organisations")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Plesso Mazzoni"));
    shot(c, "reg-01-organisations").await;

    // A new organisation.
    let new_link = c
        .find(Locator::Css("a[href='/coord/organisations/new']"))
        .await
        .unwrap();
    navigate_by(c, new_link.click()).await;
    type_into(c, "name", "Istituto Datini, Prato").await;
    c.find(Locator::Id("kind"))
        .await
        .unwrap()
        .select_by_value("school")
        .await
        .unwrap();
    type_into(c, "contact_email", "Segreteria@Datini.example").await;
    c.find(Locator::Id("locale"))
        .await
        .unwrap()
        .select_by_value("en")
        .await
        .unwrap();
    submit(c, "form.reg-form").await;
    let path = path_of(c).await;
    let org_id: i64 = path
        .trim_start_matches("/coord/organisations/")
        .trim_end_matches("?created=1")
        .parse()
        .unwrap_or_else(|_| panic!("redirected to the new organisation, got {path}"));
    let stored = organisation::Entity::find_by_id(org_id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the organisation is stored");
    assert_eq!(
        (stored.contact_email.as_deref(), stored.locale.as_str()),
        (Some("segreteria@datini.example"), "en")
    );
    assert!(exists(c, ".notice").await, "the creation is confirmed");

    // Its first site: a latitude out of range is an error next to the field…
    let add_site = c
        .find(Locator::Css(&format!(
            "a[href='/coord/organisations/{org_id}/sites/new']"
        )))
        .await
        .unwrap();
    navigate_by(c, add_site.click()).await;
    assert!(exists(c, "svg#site-map").await, "the site form has the map");
    type_into(c, "name", "Sede centrale").await;
    type_into(c, "address", "Via Santa Caterina 8, 59100 Prato").await;
    type_into(c, "lat", "95").await;
    type_into(c, "lon", "11,09").await;
    submit(c, "form.site-form").await;
    assert!(
        exists(c, "#lat-error").await,
        "an error next to the latitude"
    );
    assert!(!exists(c, "#lon-error").await, "a decimal comma is fine");
    assert!(described_by(c, "lat").await.contains("lat-error"));
    assert!(exists(c, ".error-summary a[href='#lat']").await);
    assert_eq!(value_of(c, "lat").await, "95", "what was typed comes back");
    assert_eq!(
        site::Entity::find()
            .filter(site::Column::OrganisationId.eq(org_id))
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        0,
        "nothing is stored"
    );
    // …then a click on the map picks the position.
    c.execute(
        "document.getElementById('site-map').scrollIntoView({block: 'center'});",
        vec![],
    )
    .await
    .unwrap();
    click(c, "svg#site-map").await;
    let lat: f64 = value_of(c, "lat").await.parse().expect("a picked latitude");
    let lon: f64 = value_of(c, "lon")
        .await
        .parse()
        .expect("a picked longitude");
    assert!((43.76..=44.0).contains(&lat), "picked latitude {lat}");
    assert!((10.4..=11.2).contains(&lon), "picked longitude {lon}");
    let marker = c
        .find(Locator::Id("map-marker"))
        .await
        .unwrap()
        .attr("visibility")
        .await
        .unwrap();
    assert_eq!(
        marker.as_deref(),
        Some("visible"),
        "the marker shows the pick"
    );
    shot(c, "reg-02-site-form-map").await;
    submit(c, "form.site-form").await;
    wait_for_path(c, &format!("/coord/organisations/{org_id}?site_saved=1")).await;
    let sites = site::Entity::find()
        .filter(site::Column::OrganisationId.eq(org_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sites.len(), 1);
    assert!((sites[0].lat - lat).abs() < 1e-4 && (sites[0].lon - lon).abs() < 1e-4);
    assert!(c.source().await.unwrap().contains("Sede centrale"));

    // A mediator's languages: search the list, add Urdu, drop Italian.
    c.goto(&app.url("/coord/mediators?q=wei")).await.unwrap();
    let link = c
        .find(Locator::Css(&format!(
            "a[href='/coord/mediators/{}']",
            app.mediator_id
        )))
        .await
        .expect("Li Wei is found");
    navigate_by(c, link.click()).await;
    type_into(c, "lang-filter", "urdu").await;
    let visible = |id: &'static str| async move {
        c.find(Locator::Css(&format!("label[for='{id}']")))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    };
    assert!(visible("lang-ur").await, "Urdu matches the search");
    assert!(!visible("lang-sq").await, "Albanian does not");
    assert!(visible("lang-zh").await, "a ticked language stays in view");
    click(c, "label[for='lang-ur']").await;
    click(c, "label[for='lang-it']").await;
    shot(c, "reg-03-mediator-edit").await;
    submit(c, "form.med-form").await;
    wait_for_path(c, &format!("/coord/mediators/{}?saved=1", app.mediator_id)).await;
    let stored = mediator::Entity::find_by_id(app.mediator_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.languages, json!(["zh", "ur"]));

    // A requester account for the new organisation; its password is shown once.
    c.goto(&app.url("/coord/users/new")).await.unwrap();
    type_into(c, "email", "segreteria@datini.example").await;
    type_into(c, "name", "Paola Datini").await;
    click(c, "label[for='role-requester']").await;
    c.find(Locator::Id("organisation_id"))
        .await
        .unwrap()
        .select_by_value(&org_id.to_string())
        .await
        .unwrap();
    submit(c, "form.user-form").await;
    let password = text_of(c, "#new-password").await;
    assert_eq!(password.chars().count(), 16);
    shot(c, "reg-04-user-created").await;
    c.goto(&app.url("/coord/users?q=datini")).await.unwrap();
    assert!(c
        .source()
        .await
        .unwrap()
        .contains("segreteria@datini.example"));
    c.goto(&app.url("/coord/users")).await.unwrap();
    shot(c, "reg-05-users").await;
    logout(c).await;
    login(c, app, "segreteria@datini.example", &password).await;
    assert_eq!(path_of(c).await, "/requests", "the new requester logs in");
    logout(c).await;

    // The organisation's creation in the audit log, filtered on the page.
    login(c, app, "coord@ponte.example", PASSWORD).await;
    c.goto(&app.url("/coord/audit")).await.unwrap();
    c.find(Locator::Id("entity"))
        .await
        .unwrap()
        .select_by_value("organisation")
        .await
        .unwrap();
    submit(c, "form.audit-filters").await;
    assert!(path_of(c).await.contains("entity=organisation"));
    let entity_link = format!("a[href='/coord/organisations/{org_id}']");
    assert!(
        exists(c, &entity_link).await,
        "the event links its organisation"
    );
    let rows = c
        .find_all(Locator::Css(".audit-table tbody tr"))
        .await
        .unwrap();
    let mut texts = Vec::new();
    for row in rows {
        texts.push(row.text().await.unwrap());
    }
    assert!(
        texts.iter().any(|t| t.contains("Creazione")
            && t.contains("Istituto Datini")
            && t.contains("coord@ponte.example")),
        "the creation, its name and its author are shown: {texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains("Sede centrale")),
        "the filter leaves out the site's events"
    );
    shot(c, "reg-06-audit").await;

    // On a phone.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&app.url("/coord/audit?entity=organisation"))
        .await
        .unwrap();
    assert!(
        no_horizontal_scroll(c).await,
        "no horizontal scrolling at 360 px"
    );
    shot(c, "reg-07-audit-phone").await;
    c.goto(&app.url(&format!("/coord/organisations/{org_id}/sites/new")))
        .await
        .unwrap();
    assert!(no_horizontal_scroll(c).await, "the site form fits a phone");
    shot(c, "reg-08-site-form-phone").await;
    c.set_window_size(1280, 900).await.unwrap();
}
