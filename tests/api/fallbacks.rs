//! "In person, or video if needed" (`fallback_modalities`): what was seen is that a request
//! whose only speaker lives too far to be there in time stayed unfilled, though the school
//! would have taken a video call. The planner and urgent dispatch now serve it in person
//! when they can and fall back when they must, the plan counts how many fell back, and the
//! mediator's calendar and notice say "by video".
use chrono::{TimeDelta, Utc};
use chrono_tz::Europe::Rome;
use ponte::domain::request::Modality;
use ponte::entity::{assignment, mediator, notice, request};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::both;
use crate::dispatch::{rows_of, submit};
use crate::helpers::{assert_problem, json_of, Backend, TestApp};
use crate::plans::{instance_of, plan_week, referee, weekly};

both!(
    fallback_modalities_are_checked_and_shown,
    a_plan_falls_back_only_when_it_must,
    an_emergency_falls_back_when_no_one_can_be_there,
);

/// Li Wei moves to Grosseto: some 300 minutes from the Prato school by road.
async fn li_wei_lives_far(app: &TestApp, far: bool) {
    let (lat, lon) = if far { (42.76, 11.11) } else { (43.884, 11.08) };
    mediator::Entity::update_many()
        .col_expr(mediator::Column::HomeLat, Expr::value(lat))
        .col_expr(mediator::Column::HomeLon, Expr::value(lon))
        .filter(mediator::Column::Id.eq(app.mediator_id))
        .exec(&app.db)
        .await
        .unwrap();
}

/// A routine Chinese meeting at the school at `at` (a fixed time), in person or by video.
async fn in_person_or_video(app: &TestApp, at: &str) -> i64 {
    let (status, body) = json_of(
        app.post(
            "/api/v1/requests",
            &app.requester_a.token,
            &json!({"site_id": app.site_a, "language": "zh", "modality": "in_person",
                    "fallback_modalities": ["video"], "earliest_start": at,
                    "duration_minutes": 60, "urgency": "routine"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["fallback_modalities"], json!(["video"]));
    body["id"].as_i64().unwrap()
}

async fn fallback_modalities_are_checked_and_shown(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = |fallbacks: Value| {
        json!({"site_id": app.site_a, "language": "zh", "modality": "in_person",
               "fallback_modalities": fallbacks, "earliest_start": "2027-03-22T09:00",
               "duration_minutes": 60, "urgency": "routine"})
    };
    for (fallbacks, field) in [
        (json!(["in_person"]), "fallback_modalities[0]"),
        (json!(["video", "video"]), "fallback_modalities[1]"),
        (json!(["fax"]), "fallback_modalities[0]"),
        (
            json!(["video", "phone", "in_person"]),
            "fallback_modalities",
        ),
    ] {
        assert_problem(
            app.post("/api/v1/requests", &app.requester_a.token, &body(fallbacks))
                .await,
            422,
            Some(field),
        )
        .await;
    }
    assert_eq!(request::Entity::find().all(&app.db).await.unwrap().len(), 0);
    // A phone request that may also be in person needs a site, as an in-person one does.
    let mut remote = body(json!(["in_person"]));
    remote["modality"] = json!("phone");
    remote.as_object_mut().unwrap().remove("site_id");
    assert_problem(
        app.post("/api/v1/requests", &app.requester_a.token, &remote)
            .await,
        422,
        Some("site_id"),
    )
    .await;
    let id = in_person_or_video(&app, "2027-03-22T09:00").await;
    let (status, got) = json_of(
        app.get(&format!("/api/v1/requests/{id}"), &app.requester_a.token)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["modality"], "in_person");
    assert_eq!(got["fallback_modalities"], json!(["video"]));
}

async fn a_plan_falls_back_only_when_it_must(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let m = app.mediator_id;
    weekly(&app, m, &[(1, "08:00", "18:00"), (2, "08:00", "18:00")]).await;
    li_wei_lives_far(&app, true).await;
    // Monday 22 March 2027, 09:00 in Rome: an hour after her day starts, five from Grosseto.
    let far = in_person_or_video(&app, "2027-03-22T09:00").await;
    let plan = plan_week(&app).await;
    let drafts = plan["assignments"].as_array().unwrap();
    assert_eq!(drafts.len(), 1, "{plan}");
    assert_eq!(drafts[0]["request_id"], far);
    assert_eq!(drafts[0]["modality"], "video");
    assert_eq!(drafts[0]["travel_minutes"], 0);
    assert_eq!(plan["kpis"]["fallbacks"]["count"], 1, "{}", plan["kpis"]);
    assert_eq!(plan["kpis"]["fallbacks"]["cost"], 30);
    let id = plan["id"].as_i64().unwrap();
    let instance = instance_of(&app, id).await;
    assert!(instance.contains("\"fallback_modalities\":[\"video\"]"));
    let report = referee(&instance, &plan);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert_eq!(report.metrics.fallbacks, 1);

    let (status, published) = json_of(
        app.post(
            &format!("/api/v1/plans/{id}/publish"),
            &app.coordinator.token,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{published}");
    let live = rows_of(&app, far).await;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].modality, Some(Modality::Video));
    // Her notice says how the meeting happens: no address to drive to.
    let to_her = notice::Entity::find()
        .filter(notice::Column::AssignmentId.eq(live[0].id))
        .filter(notice::Column::RecipientEmail.eq("li.wei@mediatori.example"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a notice to the mediator");
    assert!(
        to_her.body_text.contains("videochiamata") || to_her.body_text.contains("video call"),
        "{}",
        to_her.body_text
    );
    let (_, shown) = json_of(
        app.get(
            &format!("/api/v1/assignments/{}", live[0].id),
            &app.coordinator.token,
        )
        .await,
    )
    .await;
    assert_eq!(shown["modality"], "video", "{shown}");

    // Back in Prato, a second meeting of the same kind on Tuesday is served in person, and
    // the re-plan keeps Monday's published video call as it is (no conflict, no proposal).
    li_wei_lives_far(&app, false).await;
    let near = in_person_or_video(&app, "2027-03-23T09:00").await;
    let again = plan_week(&app).await;
    let drafts = again["assignments"].as_array().unwrap();
    let of = |request_id: i64| {
        drafts
            .iter()
            .find(|d| d["request_id"] == request_id)
            .unwrap_or_else(|| panic!("no draft for {request_id}: {again}"))
    };
    assert!(of(near).get("modality").is_none(), "{}", of(near));
    assert!(of(near)["travel_minutes"].as_i64().unwrap() > 0);
    assert_eq!(of(far)["modality"], "video");
    assert_eq!(of(far)["origin"], "pinned");
    assert_eq!(again["conflicts"], json!([]), "{again}");
    assert_eq!(again["kpis"]["fallbacks"]["count"], 1);
}

async fn an_emergency_falls_back_when_no_one_can_be_there(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    li_wei_lives_far(&app, true).await;
    // Tomorrow from 09:00 only: the 10:00 emergency is out of reach in person.
    let tomorrow = (Utc::now().with_timezone(&Rome) + TimeDelta::days(1)).date_naive();
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/mediators/{}/availability", app.mediator_id),
            Some(&app.coordinator.token),
            Some(&json!({"rules": [], "exceptions": [
                {"date": tomorrow, "kind": "extra", "start": "09:00", "end": "18:00"}]})),
        )
        .await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let fixed = crate::dispatch::tomorrow_at(10);
    let without = submit(&app, json!({"latest_start": fixed})).await;
    assert!(
        rows_of(&app, without).await.is_empty(),
        "in person only: no one can be there"
    );
    let with = submit(
        &app,
        json!({"latest_start": fixed, "fallback_modalities": ["video"]}),
    )
    .await;
    let rows = rows_of(&app, with).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].mediator_id, app.mediator_id);
    assert_eq!(rows[0].state.as_str(), "offered");
    assert_eq!(rows[0].modality, Some(Modality::Video));
    let live: Vec<assignment::Model> = rows;
    assert_eq!(
        live[0]
            .start
            .with_timezone(&Rome)
            .format("%H:%M")
            .to_string(),
        "10:00"
    );
}
