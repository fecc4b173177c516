//! Reporting: a report whose chapters refer to subchapters of two collections is created
//! together with them in one transaction, committed, read back from another session, and its
//! references followed to the subchapters they name.

use crate::support::*;

const REPORTING: &str = "/api/configuration/reporting";

/// A statistics subchapter: its fields are not published, so it is built from JSON.
fn statistics(name: &str) -> types::StatisticsSubchapter {
    serde_json::from_value(json!({ "name": name, "column": "protocol" }))
        .expect("an object is a statistics subchapter")
}

fn content(name: &str) -> types::ContentSubchapter {
    types::ContentSubchapter {
        access: Some(vec!["report".to_owned()]),
        name: Some(name.to_owned()),
        ..Default::default()
    }
}

/// The reference to a created object, in the form the appliance reads it back.
fn reference_to(created: &types::CreatedObject) -> Reference {
    Reference::from(types::ReferenceObject {
        key: Some(created.key.clone()),
        meta: types::LinkMeta {
            href: created.meta.href.clone(),
            extra: Default::default(),
        },
        extra: Default::default(),
    })
}

fn report(chapters: Vec<types::ReportChapter>) -> types::Report {
    let mut report = types::Report {
        access: Some(vec!["report".to_owned()]),
        name: Some("e2e-weekly".to_owned()),
        chapters: Some(chapters),
        ..Default::default()
    };
    // A field this spec does not know (the schedule is not published) is kept as sent.
    report
        .extra
        .insert("frequency".to_owned(), json!({ "weekly": true }));
    report
}

/// The href of a subchapter reference, which names the collection it is in.
#[track_caller]
fn href_of(reference: &Reference) -> &str {
    match reference {
        Reference::Object(object) => &object.meta.href,
        other => panic!("expected {{key, meta}}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_report_and_the_subchapters_it_refers_to_are_created_together_and_followed() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let bob = fake.login(BOB).await;

    // 1. Both subchapters and the report that lists them, in one transaction.
    let (stats, text, created) = admin
        .in_transaction(Some("e2e: weekly report"), |c| async move {
            let stats = c
                .create_statistics_subchapter(&statistics("Sessions per protocol"))
                .await?;
            let text = c.create_content_subchapter(&content("Root logins")).await?;
            let chapters = vec![types::ReportChapter {
                name: Some("Activity".to_owned()),
                subchapters: Some(vec![reference_to(&stats), reference_to(&text)]),
                ..Default::default()
            }];
            let created = c.create_report(&report(chapters)).await?;
            Ok::<_, Error<types::ErrorResponse>>((stats, text, created))
        })
        .await
        .expect("create and commit");
    assert_eq!(
        stats.meta.href,
        format!("{REPORTING}/statistics_subchapters/{}", stats.key)
    );
    assert_eq!(
        text.meta.href,
        format!("{REPORTING}/content_subchapters/{}", text.key)
    );
    assert_eq!(
        created.meta.href,
        format!("{REPORTING}/reports/{}", created.key)
    );

    // 2. Another session reads the committed report as it was written, unknown field included.
    let read = bob.get_report(&created.key).await.expect("read the report");
    assert_eq!(read.key.as_deref(), Some(created.key.as_str()));
    let chapters = vec![types::ReportChapter {
        name: Some("Activity".to_owned()),
        subchapters: Some(vec![reference_to(&stats), reference_to(&text)]),
        ..Default::default()
    }];
    assert_eq!(read.body, report(chapters));
    let listed = bob.list_reports().await.expect("list reports");
    assert!(
        listed.items.iter().any(|i| i.key == created.key),
        "{listed:?}"
    );

    // 3. Each reference leads, by its href, to the subchapter it names, in its own collection.
    let subchapters = read.body.chapters.as_deref().unwrap_or_default()[0]
        .subchapters
        .clone()
        .expect("the chapter lists its subchapters");
    let followed: types::StatisticsSubchapterObject = bob
        .follow_as::<_, types::ErrorResponse>(href_of(&subchapters[0]))
        .await
        .expect("follow the statistics subchapter");
    assert_eq!(followed.key, stats.key);
    assert_eq!(followed.body, statistics("Sessions per protocol"));
    let followed: types::ContentSubchapterObject = bob
        .follow_as::<_, types::ErrorResponse>(href_of(&subchapters[1]))
        .await
        .expect("follow the content subchapter");
    assert_eq!(followed.key, text.key);
    assert_eq!(followed.body, content("Root logins"));

    // 4. Removing the report leaves the subchapters it used.
    let key = created.key.clone();
    admin
        .in_transaction(None, |c| async move { c.delete_report(&key).await })
        .await
        .expect("delete and commit");
    api_error(bob.get_report(&created.key).await, 404, ErrorType::NotFound);
    bob.get_statistics_subchapter(&stats.key)
        .await
        .expect("the statistics subchapter stays");
    bob.get_content_subchapter(&text.key)
        .await
        .expect("the content subchapter stays");

    fake.server.shutdown().await;
}

#[tokio::test]
async fn the_report_is_invisible_to_other_sessions_until_the_commit() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let bob = fake.login(BOB).await;
    let tx = admin.transaction();
    tx.open().await.expect("open");
    let stats = admin
        .create_statistics_subchapter(&statistics("Sessions per user"))
        .await
        .expect("create a subchapter");
    let chapters = vec![types::ReportChapter {
        name: Some("Users".to_owned()),
        // Written as the bare key, as the appliance accepts references.
        subchapters: Some(vec![Reference::from(stats.key.as_str())]),
        ..Default::default()
    }];
    let created = admin
        .create_report(&report(chapters))
        .await
        .expect("create the report");
    api_error(bob.get_report(&created.key).await, 404, ErrorType::NotFound);
    tx.rollback().await.expect("roll back");
    api_error(
        admin.get_report(&created.key).await,
        404,
        ErrorType::NotFound,
    );
    api_error(
        admin.get_statistics_subchapter(&stats.key).await,
        404,
        ErrorType::NotFound,
    );

    fake.server.shutdown().await;
}
