//! Browsing the configuration tree from its root by the `meta` links.

use crate::support::*;

const USERS: &str = "/api/configuration/aaa/local_database/users";

#[tokio::test]
async fn browse_from_the_configuration_root_by_links() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;

    // index -> child index -> child index -> collection -> item, following `meta.href`.
    let root = client.get_configuration_index().await.expect("root index");
    assert_eq!(meta(&root.meta).href, "/api/configuration");
    assert_eq!(
        meta(&root.meta).transaction.as_deref(),
        Some("/api/transaction")
    );
    let keys: Vec<&str> = root.items.iter().map(|i| i.key.as_str()).collect();
    assert!(
        keys.contains(&"aaa") && keys.contains(&"policies"),
        "{keys:?}"
    );
    let aaa_link = &root
        .items
        .iter()
        .find(|i| i.key == "aaa")
        .expect("aaa")
        .meta
        .href;

    let aaa: types::IndexList = client.follow(aaa_link).await.expect("follow aaa");
    assert_eq!(aaa, client.get_aaa_index().await.expect("typed aaa index"));
    assert_eq!(
        meta(&aaa.meta).parent,
        Some(Some("/api/configuration".to_owned()))
    );
    let db_link = &aaa
        .items
        .iter()
        .find(|i| i.key == "local_database")
        .expect("local_database")
        .meta
        .href;

    let db: types::IndexList = client.follow(db_link).await.expect("follow local_database");
    let children: Vec<&str> = db.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(children, ["groups", "users"]);
    let groups_link = &db.items[0].meta.href;
    assert_eq!(groups_link, GROUPS);

    let groups: types::LocalGroupList = client.follow(groups_link).await.expect("follow groups");
    assert_eq!(
        groups,
        client.list_local_groups().await.expect("typed list")
    );
    // Siblings under local_database: groups is first, users follows.
    assert_eq!(meta(&groups.meta).previous, Some(None));
    assert_eq!(meta(&groups.meta).next, Some(Some(USERS.to_owned())));
    let first = groups.items.first().expect("a sample group");

    let group: types::LocalGroupObject = client.follow(&first.meta.href).await.expect("item");
    assert_eq!(group.key, first.key);
    assert_eq!(meta(&group.meta).href, first.meta.href);
    assert_eq!(meta(&group.meta).parent, Some(Some(GROUPS.to_owned())));
    assert_eq!(
        group,
        client.get_local_group(&first.key).await.expect("typed get")
    );

    // `next` of the groups collection leads to the users collection, whose `next` is null.
    let next = meta(&groups.meta)
        .next
        .clone()
        .flatten()
        .expect("next link");
    let users: types::LocalUserList = client.follow(&next).await.expect("follow next");
    assert_eq!(meta(&users.meta).href, USERS);
    assert_eq!(meta(&users.meta).next, Some(None));

    // The documentation's examples also request collections with a trailing slash.
    let (status, slashed) = wire(&client, Method::GET, &format!("{BACKUP}/"), None).await;
    assert_eq!(status, 200, "{slashed}");
    assert_eq!(slashed["meta"]["href"], json!(BACKUP));
    let listed: types::BackupPolicyList =
        client.follow(&format!("{BACKUP}/")).await.expect("follow");
    assert_eq!(
        listed,
        client.list_backup_policies().await.expect("typed list")
    );

    // A typed error body through `follow_as`.
    let missing = client
        .follow_as::<types::LocalGroupObject, types::ErrorResponse>(&format!("{GROUPS}/nope"))
        .await;
    api_error(missing, 404, ErrorType::NotFound);
    // Links must stay on the appliance.
    assert!(matches!(
        client
            .follow::<Value>("https://elsewhere.example/api")
            .await,
        Err(Error::InvalidRequest(_))
    ));

    fake.server.shutdown().await;
}

#[tokio::test]
async fn every_link_under_the_configuration_root_resolves() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    // A second object in the groups collection, so that item siblings form a real chain.
    client
        .in_transaction(None, |c| async move {
            c.create_local_group(&local_group("second", &[])).await
        })
        .await
        .expect("create a group");

    // Breadth-first over `items[].meta.href`; every child names its listing as parent.
    let mut queue = VecDeque::from([("/api/configuration".to_owned(), None::<String>)]);
    let mut seen = BTreeSet::new();
    let mut listings: Vec<(String, Vec<String>)> = Vec::new();
    let mut metas = std::collections::BTreeMap::new();
    let mut objects = 0;
    while let Some((href, parent)) = queue.pop_front() {
        assert!(seen.insert(href.clone()), "{href} is linked twice");
        assert!(seen.len() < 500, "the walk does not end");
        let answer: Result<Value, Error<types::ErrorResponse>> = client.follow_as(&href).await;
        let answer = match answer {
            Ok(answer) => answer,
            // The passwords endpoint is write-only: it has a POST and items, but no listing.
            Err(Error::Api { status: 405, body })
                if href == "/api/configuration/passwords"
                    && body.error.r#type == ErrorType::MethodNotAllowed =>
            {
                continue
            }
            Err(e) => panic!("{href}: {e}"),
        };
        assert_eq!(answer["meta"]["href"], json!(href), "{answer}");
        assert_eq!(
            answer["meta"]["transaction"],
            json!("/api/transaction"),
            "{answer}"
        );
        if let Some(parent) = parent {
            assert_eq!(answer["meta"]["parent"], json!(parent), "{answer}");
        }
        if answer.get("body").is_some() {
            objects += 1;
        }
        let mut children = Vec::new();
        for item in answer["items"].as_array().into_iter().flatten() {
            let child = item["meta"]["href"].as_str().expect("items carry a link");
            children.push(child.to_owned());
            queue.push_back((child.to_owned(), Some(href.clone())));
        }
        if !children.is_empty() {
            listings.push((href.clone(), children));
        }
        metas.insert(href, answer["meta"].clone());
    }
    for expected in [GROUPS, USERS, USERMAPPING, BACKUP] {
        assert!(seen.contains(expected), "{expected} not reached");
    }
    assert!(objects >= 8, "only {objects} objects reached");

    // Sibling links follow the order of the parent's listing: first, last, and null past
    // either end.
    let link = |href: Option<&String>| href.map_or(Value::Null, |h| json!(h));
    for (parent, children) in &listings {
        for (i, child) in children.iter().enumerate() {
            let Some(meta) = metas.get(child) else {
                continue; // not readable (see above)
            };
            let expected = json!({
                "first": link(children.first()),
                "last": link(children.last()),
                "previous": link(i.checked_sub(1).and_then(|p| children.get(p))),
                "next": link(children.get(i + 1)),
            });
            let actual = json!({
                "first": meta["first"],
                "last": meta["last"],
                "previous": meta["previous"],
                "next": meta["next"],
            });
            assert_eq!(actual, expected, "links of {child} under {parent}");
        }
    }
    let groups = listings
        .iter()
        .find(|(parent, _)| parent == GROUPS)
        .expect("groups listed");
    assert!(groups.1.len() >= 2, "{groups:?}");

    fake.server.shutdown().await;
}
