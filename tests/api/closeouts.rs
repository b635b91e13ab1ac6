//! What actually happened: a meeting is closed out after it began, by its mediator or the
//! requesting organisation once, then corrected by a coordinator; the reports count the
//! delivered hours beside the planned ones, and the no-shows.
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Europe::Rome;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::assignments::{add_mediator, audits, insert_assignment, routine_request, ASSIGNMENTS};
use crate::both;
use crate::helpers::{assert_problem, json_of, Backend, TestApp};

both!(
    a_meeting_is_closed_out_once_then_corrected_and_counted,
    the_morning_after_a_reminder_asks_how_it_went
);

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Rome).format("%Y-%m-%dT%H:%M").to_string()
}

async fn a_meeting_is_closed_out_once_then_corrected_and_counted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Two meetings of organisation A for Li Wei, on the hour, an hour or two from now and
    // two hours after that.
    let now = app.clock_now();
    let start = (now + TimeDelta::hours(2)).with_timezone(&Rome);
    let start = start
        .date_naive()
        .and_hms_opt(start.format("%H").to_string().parse().unwrap(), 0, 0)
        .unwrap()
        .and_local_timezone(Rome)
        .unwrap()
        .with_timezone(&Utc);
    let later = start + TimeDelta::hours(2);
    let first_request = routine_request(&app, &local(start)).await;
    let second_request = routine_request(&app, &local(later)).await;
    let (first, _) = insert_assignment(
        &app.db,
        first_request,
        1,
        app.mediator_id,
        start,
        "accepted",
    )
    .await;
    let (second, _) = insert_assignment(
        &app.db,
        second_request,
        1,
        app.mediator_id,
        later,
        "published",
    )
    .await;
    let close = |id: i64| format!("{ASSIGNMENTS}/{id}/closeout");
    let delivered = json!({
        "outcome": "delivered",
        "actual_start": local(start + TimeDelta::minutes(10)),
        "actual_end": local(start + TimeDelta::minutes(75)),
        "note": "Colloquio con la madre, tutto chiaro",
    });

    // Not before it began.
    assert_problem(
        app.post(&close(first), &app.mediator.token, &delivered)
            .await,
        409,
        None,
    )
    .await;
    app.clock.advance(TimeDelta::hours(6));

    // Not someone else's.
    let other = add_mediator(&app, "Chen Jing", json!(["zh"])).await;
    for token in [&other.user.token, &app.requester_b.token] {
        assert_problem(app.post(&close(first), token, &delivered).await, 404, None).await;
    }
    // Bad input names its field.
    for (body, field) in [
        (json!({}), "outcome"),
        (json!({"outcome": "happened"}), "outcome"),
        (
            json!({"outcome": "delivered", "actual_start": "yesterday"}),
            "actual_start",
        ),
        (
            json!({"outcome": "delivered", "actual_start": local(start + TimeDelta::minutes(30)), "actual_end": local(start)}),
            "actual_end",
        ),
        (
            json!({"outcome": "delivered", "actual_start": local(start + TimeDelta::hours(20)), "actual_end": local(start + TimeDelta::hours(21))}),
            "actual_start",
        ),
        (
            json!({"outcome": "delivered", "note": "x".repeat(1001)}),
            "note",
        ),
    ] {
        assert_problem(
            app.post(&close(first), &app.mediator.token, &body).await,
            422,
            Some(field),
        )
        .await;
    }

    // The mediator records it; then it is theirs no more to change.
    let (status, view) = json_of(
        app.post(&close(first), &app.mediator.token, &delivered)
            .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["closeout"]["outcome"], "delivered");
    assert_eq!(view["closeout"]["delivered_minutes"], 65, "{view}");
    assert_problem(
        app.post(&close(first), &app.mediator.token, &delivered)
            .await,
        409,
        None,
    )
    .await;
    // The school says the family did not come to the second one.
    let (status, view) = json_of(
        app.post(
            &close(second),
            &app.requester_a.token,
            &json!({"outcome": "family_no_show"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["closeout"]["delivered_minutes"], 0);

    let total: Value = total_of(&app, start).await;
    assert_eq!(total["minutes"], 120, "planned: {total}");
    assert_eq!(total["delivered_minutes"], 65, "{total}");
    assert_eq!(total["closed_out"], 2);
    assert_eq!(total["family_no_shows"], 1);
    assert_eq!(total["no_show_pct"], 50.0);

    // A coordinator corrects the first: the mediator had not come after all.
    let (status, view) = json_of(
        app.post(
            &close(first),
            &app.coordinator.token,
            &json!({"outcome": "mediator_no_show"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(audits(&app.db, "closed_out", first).await, 2);
    let total: Value = total_of(&app, start).await;
    assert_eq!(total["delivered_minutes"], 0, "{total}");
    assert_eq!(total["mediator_no_shows"], 1);
    assert_eq!(total["no_show_pct"], 100.0);
}

/// The report's totals for the days of `start` and the next.
async fn total_of(app: &TestApp, start: DateTime<Utc>) -> Value {
    let day = start.with_timezone(&Rome).date_naive();
    let url = format!(
        "/api/v1/reports?from={day}&to={}&group=organisation",
        day + TimeDelta::days(1)
    );
    let (status, body) = json_of(app.get(&url, &app.coordinator.token).await).await;
    assert_eq!(status, 200, "{body}");
    body["total"].clone()
}

async fn the_morning_after_a_reminder_asks_how_it_went(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let links = ponte::notice::Links {
        base_url: "https://ponte.test".into(),
    };
    // Tuesday 30 March 2027 at 10:00 in Rome; a second meeting already closed out.
    let start: DateTime<Utc> = "2027-03-30T08:00:00Z".parse().unwrap();
    let request = routine_request(&app, "2027-03-30T10:00").await;
    let (open, _) =
        insert_assignment(&app.db, request, 1, app.mediator_id, start, "accepted").await;
    let other = routine_request(&app, "2027-03-30T14:00").await;
    let (done, _) = insert_assignment(
        &app.db,
        other,
        1,
        app.mediator_id,
        start + TimeDelta::hours(4),
        "accepted",
    )
    .await;
    // A third, booked only after it began (recorded, not awaited): no one is asked.
    let recorded = routine_request(&app, "2027-03-30T12:00").await;
    let (after, _) = insert_assignment(
        &app.db,
        recorded,
        1,
        app.mediator_id,
        start + TimeDelta::hours(2),
        "accepted",
    )
    .await;
    ponte::entity::assignment::Entity::update_many()
        .col_expr(
            ponte::entity::assignment::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(start + TimeDelta::hours(3)),
        )
        .filter(ponte::entity::assignment::Column::Id.eq(after))
        .exec(&app.db)
        .await
        .unwrap();
    app.clock.set(start + TimeDelta::hours(6));
    let (status, view) = json_of(
        app.post(
            &format!("{ASSIGNMENTS}/{done}/closeout"),
            &app.mediator.token,
            &json!({"outcome": "delivered"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{view}");

    let queue = |at: &str| {
        let (db, links) = (app.db.clone(), links.clone());
        let now: DateTime<Utc> = at.parse().unwrap();
        async move {
            ponte::notice::worker::queue_closeout_reminders(&db, &links, now)
                .await
                .unwrap()
        }
    };
    assert_eq!(queue("2027-03-30T20:00:00Z").await, 0, "not the same day");
    assert_eq!(
        queue("2027-03-31T05:30:00Z").await,
        0,
        "07:30 in Rome: too early"
    );
    // The day after is the mediator's: on New York's clock 06:30 UTC is 02:30.
    let zone = |name: &'static str| {
        let db = app.db.clone();
        let id = app.mediator_id;
        async move {
            ponte::entity::mediator::Entity::update_many()
                .col_expr(
                    ponte::entity::mediator::Column::Timezone,
                    sea_orm::sea_query::Expr::value(name),
                )
                .filter(ponte::entity::mediator::Column::Id.eq(id))
                .exec(&db)
                .await
                .unwrap();
        }
    };
    zone("America/New_York").await;
    assert_eq!(queue("2027-03-31T06:30:00Z").await, 0, "night in New York");
    zone("Europe/Rome").await;
    assert_eq!(
        queue("2027-03-31T06:30:00Z").await,
        1,
        "to Li Wei, for the open one"
    );
    assert_eq!(queue("2027-03-31T09:00:00Z").await, 0, "once");
    let sent = ponte::entity::notice::Entity::find()
        .filter(ponte::entity::notice::Column::Kind.eq("closeout_reminder"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].assignment_id, Some(open));
    assert!(
        sent[0].subject.starts_with("Com'è andata?"),
        "{}",
        sent[0].subject
    );
    assert!(
        sent[0].body_text.contains("https://ponte.test/today"),
        "{}",
        sent[0].body_text
    );
}
