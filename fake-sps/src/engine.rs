//! The request engine: `handle(RawRequest) -> RawResponse`, driven by the resource metadata.
//!
//! Independent of any HTTP framework: the server layer only converts requests and responses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{json, Map, Value};

use sps_server::runtime::parent_href;

use crate::errors::{self, ApiError};
use crate::meta::{last_segment, object_meta, reference};
use crate::paths;
use crate::persist::{self, PersistError};
use crate::query_values::QueryValues;
use crate::raw::{OperationInfo, RawRequest, RawResponse};
use crate::recordings::{Lookup, Recordings, RecordingsConfig};
use crate::references::References;
use crate::seed::{self, Seed};
use crate::session::{
    self, CertificateUser, Clock, Sessions, SystemClock, User, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_SESSIONS,
};
use crate::store::Store;
use crate::transaction::{Change, Transaction, Transactions, TxError, TxStatus};
use crate::tree::{ResourceKind, ResourceTable};
use crate::upload::ReceivedUpload;

/// The sample recorded-session id from the active-sessions documentation.
pub const SAMPLE_ACTIVE_SESSION: &str = "svc/rpokH8fD9kx6CaxNLznKx2/test:12";

/// Fields of `/api/info` that SPS only shows to an authenticated caller.
const INFO_AUTHENTICATED_FIELDS: [&str; 6] = [
    "analytics_enabled",
    "build_date",
    "config_hash",
    "firmware_version",
    "roles",
    "version",
];

/// How the engine behaves.
#[derive(Clone)]
pub struct EngineConfig {
    /// Who may log in.
    pub users: Vec<User>,
    /// Idle time after which a session (and its transaction) ends.
    pub idle_timeout: Duration,
    /// Live sessions kept at most; a login beyond it ends the least recently used one.
    pub max_sessions: usize,
    /// Let the first configuration write open a transaction (some SPS pages say it does);
    /// when off, such a write answers 409 NoTransaction.
    pub implicit_transactions: bool,
    /// Where committed configuration is kept across restarts.
    pub state_file: Option<PathBuf>,
    /// Ids of recorded sessions that `DELETE /api/active-sessions?id=` can close.
    pub active_sessions: Vec<String>,
    /// Users who log in with a TLS client certificate (certificate login); the server must
    /// ask for client certificates (`TlsFiles::client_ca`).
    pub certificate_users: Vec<CertificateUser>,
    /// Time source (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// The recorded sessions to serve under `/api/audit/sessions`.
    pub recordings: RecordingsConfig,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field(
                "users",
                &self.users.iter().map(|u| &u.name).collect::<Vec<_>>(),
            )
            .field("idle_timeout", &self.idle_timeout)
            .field("max_sessions", &self.max_sessions)
            .field("implicit_transactions", &self.implicit_transactions)
            .field("state_file", &self.state_file)
            .field("active_sessions", &self.active_sessions)
            .field(
                "certificate_users",
                &self
                    .certificate_users
                    .iter()
                    .map(|u| &u.user)
                    .collect::<Vec<_>>(),
            )
            .field("recordings", &self.recordings)
            .finish_non_exhaustive()
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_sessions: DEFAULT_MAX_SESSIONS,
            implicit_transactions: false,
            state_file: None,
            active_sessions: vec![SAMPLE_ACTIVE_SESSION.to_owned()],
            certificate_users: Vec::new(),
            clock: Arc::new(SystemClock::default()),
            recordings: RecordingsConfig::default(),
        }
    }
}

struct State {
    sessions: Sessions,
    txs: Transactions,
    active_sessions: BTreeSet<String>,
}

/// The fake appliance's request handler.
pub struct Engine {
    table: ResourceTable,
    references: References,
    responses: BTreeMap<(String, String), Vec<(u16, Value)>>,
    query_values: QueryValues,
    implicit_transactions: bool,
    state_file: Option<PathBuf>,
    recordings: Recordings,
    state: Mutex<State>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("implicit_transactions", &self.implicit_transactions)
            .field("state_file", &self.state_file)
            .finish_non_exhaustive()
    }
}

/// The logged-in caller of a request.
struct Caller {
    session: String,
    user: String,
}

type Reply = Result<RawResponse, ApiError>;

fn json_reply(status: u16, body: Value) -> RawResponse {
    RawResponse::json(status, body)
}

/// The status to answer a successful call with: `preferred` if the spec documents it, else the
/// first documented 2xx, else the first documented redirection (the welcome wizard answers
/// 303): the spec is the contract the client checks against.
fn success_status(op: &OperationInfo, preferred: u16) -> u16 {
    if op.statuses.contains(&preferred) {
        return preferred;
    }
    let first =
        |range: std::ops::Range<u16>| op.statuses.iter().copied().find(|s| range.contains(s));
    first(200..300)
        .or_else(|| first(300..400))
        .unwrap_or(preferred)
}

/// Maps a transaction refusal for a request to `href` to its API error.
fn tx_error(href: &str) -> impl FnOnce(TxError) -> ApiError + '_ {
    move |error| match error {
        TxError::NoTransaction => errors::no_transaction(href),
        TxError::Locked(user) => errors::locked(href, &user),
    }
}

/// Maps a failure to save the configuration during a request to `href` to its API error.
fn persist_error(href: &str) -> impl FnOnce(PersistError) -> ApiError + '_ {
    move |error| errors::internal(href, format!("cannot save the configuration: {error}"))
}

/// Checks that every password `body` references is referenced only once, by `href` (written by
/// a request to `request`).
fn check_password_refs(
    store: &Store,
    request: &str,
    href: &str,
    body: &Value,
) -> Result<(), ApiError> {
    let refs = store.password_refs(body);
    let mut seen = BTreeSet::new();
    for key in refs {
        if !seen.insert(key.clone()) {
            return Err(errors::semantic(
                request,
                "A password object may be referenced only once",
                json!({ "password": key, "referenced_by": [href] }),
            ));
        }
        let others = store.password_referrers(&key, href);
        if !others.is_empty() {
            return Err(errors::semantic(
                request,
                "A password object may be referenced only once",
                json!({ "password": key, "referenced_by": others }),
            ));
        }
    }
    Ok(())
}

impl Engine {
    /// Builds the engine for `operations`, seeded from the examples of the bundled `spec`; the
    /// state file, if configured and present, replaces the seeded configuration.
    pub fn new(
        operations: &'static [OperationInfo],
        spec: &Value,
        config: EngineConfig,
    ) -> Result<Self, PersistError> {
        let table = ResourceTable::new(operations);
        let Seed { store, responses } = seed::from_spec(spec, &table);
        let committed = match &config.state_file {
            Some(path) => persist::load(path)?.unwrap_or(store),
            None => store,
        };
        Ok(Self {
            references: References::from_spec(spec),
            query_values: QueryValues::from_spec(spec),
            table,
            responses,
            implicit_transactions: config.implicit_transactions,
            state_file: config.state_file,
            recordings: Recordings::new(config.recordings),
            state: Mutex::new(State {
                sessions: Sessions::new(config.users, config.idle_timeout, config.clock)
                    .with_max_sessions(config.max_sessions)
                    .with_certificates(config.certificate_users),
                txs: Transactions::new(committed),
                active_sessions: config.active_sessions.into_iter().collect(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not turn every later request into a panic; the
        // state itself is only changed through operations that keep it consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The committed configuration (for tests and diagnostics).
    pub fn committed(&self) -> Store {
        self.lock().txs.committed().clone()
    }

    /// Ends a session as if it had idled out: its transaction and uncommitted changes go too.
    /// Whether it was alive.
    pub fn end_session(&self, id: &str) -> bool {
        let mut state = self.lock();
        state.txs.release(id);
        state.sessions.logout(id)
    }

    /// The recorded sessions served under `/api/audit/sessions`.
    pub fn recordings(&self) -> &Recordings {
        &self.recordings
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.lock().sessions.len()
    }

    /// The error reply for a request whose session is not valid (checked before an upload is
    /// read), or `None`; the session is not touched.
    pub fn refuse_caller(&self, request: &RawRequest) -> Option<RawResponse> {
        let mut state = self.lock();
        for expired in state.sessions.expire() {
            state.txs.release(&expired);
        }
        let alive = request
            .session_id
            .as_deref()
            .is_some_and(|id| state.sessions.touch(id).is_some());
        (!alive).then(|| RawResponse::from(errors::unauthenticated(&request.href)))
    }

    /// Handles an upload once it was received whole: stores the object the operation's
    /// documented reply names and answers with that reply.
    pub fn handle_upload(&self, request: &RawRequest, received: &ReceivedUpload) -> RawResponse {
        let mut state = self.lock();
        let result = match self.caller(&mut state, request) {
            Some(caller) => self.store_upload(&mut state, request, &caller, received),
            None => Err(errors::unauthenticated(&request.href)),
        };
        result.unwrap_or_else(RawResponse::from)
    }

    fn caller(&self, state: &mut State, req: &RawRequest) -> Option<Caller> {
        let id = req.session_id.as_deref()?;
        let session = state.sessions.touch(id)?;
        Some(Caller {
            session: id.to_owned(),
            user: session.user.clone(),
        })
    }

    /// The generic upload: the documented reply's `meta` links the object the upload made (its
    /// `href`, or another link, such as `slot`, that names a collection member). The object is
    /// put in the first empty member of that collection, else under a key made from the
    /// upload's digest (so uploading the same file again replaces it), with the documented body.
    fn store_upload(
        &self,
        state: &mut State,
        req: &RawRequest,
        caller: &Caller,
        received: &ReceivedUpload,
    ) -> Reply {
        let op = req.operation;
        // The link is read from the example as documented: replaying it rewrites `meta.href`.
        let example = self
            .responses
            .get(&(op.path.to_owned(), op.method.to_owned()))
            .and_then(|examples| examples.first())
            .map(|(_, example)| example);
        let link = example
            .and_then(|e| e.get("meta")?.as_object())
            .and_then(|meta| {
                meta.iter().find_map(|(name, value)| {
                    let href = value.as_str()?;
                    let node = self.table.match_href(href)?;
                    (node.kind == Some(ResourceKind::Item)).then(|| (name.clone(), href.to_owned()))
                })
            });
        let mut response = self.replay(op, &req.href);
        let Some(Value::Object(reply)) = response.body.as_mut() else {
            return Ok(response);
        };
        if let Some((link, example_href)) = link {
            let collection = parent_href(&example_href).unwrap_or_default();
            let view = state.txs.view(&caller.session);
            let empty = view
                .children(&collection)
                .into_iter()
                .find(|(_, _, body)| slot_is_empty(Some(body)))
                .map(|(key, _, _)| key.to_owned());
            // 22 hex chars, like SPS object keys.
            let key = empty.unwrap_or_else(|| received.digest().chars().take(22).collect());
            let href = format!("{collection}/{key}");
            let body = reply.get("body").cloned().unwrap_or_else(|| json!({}));
            self.write(state, req, caller, |tx| {
                tx.replace(&href, body.clone());
                Ok(())
            })?;
            if reply.contains_key("key") {
                reply.insert("key".into(), json!(key));
            }
            if let Some(Value::Object(meta)) = reply.get_mut("meta") {
                meta.insert(link.clone(), json!(href));
                if link == "href" && meta.contains_key("parent") {
                    meta.insert("parent".into(), json!(collection));
                }
            }
        } else {
            self.require_transaction(state, req, caller)?;
        }
        for file in &received.files {
            let name = file.name.as_deref().unwrap_or("body");
            response = response
                .with_header("x-fake-upload-size", format!("{name}={}", file.size))
                .with_header("x-fake-upload-sha256", format!("{name}={}", file.sha256));
        }
        Ok(response)
    }

    /// Handles one request.
    pub fn handle(&self, mut request: RawRequest) -> RawResponse {
        request.href = paths::normalize(&request.href);
        let mut state = self.lock();
        for expired in state.sessions.expire() {
            state.txs.release(&expired);
        }
        self.dispatch(&mut state, &request)
            .unwrap_or_else(RawResponse::from)
    }

    fn dispatch(&self, state: &mut State, req: &RawRequest) -> Reply {
        let op = req.operation;
        if op.path == paths::AUTHENTICATION && op.method == "GET" {
            return self.login(state, req);
        }
        let caller = req.session_id.as_deref().and_then(|id| {
            let session = state.sessions.touch(id)?;
            Some(Caller {
                session: id.to_owned(),
                user: session.user.clone(),
            })
        });
        if op.path == paths::INFO && op.method == "GET" {
            return Ok(self.info(op, &req.href, caller.is_some()));
        }
        let Some(caller) = caller else {
            // Operations callable without a session (the welcome wizard, the login types) have
            // nothing of a session to show: their documented answer.
            if !op.session_required {
                return self.replay_for(op, &req.href);
            }
            return Err(errors::unauthenticated(&req.href));
        };
        if refused_as_documented(op) {
            return Err(errors::method_not_allowed(&req.href, op.method));
        }
        self.query_values
            .check(op.path, op.method, &req.query, &req.href)?;
        // Audit data is read-only and not configuration: answered from the recorded sessions.
        if op.method == "GET" {
            match self.recordings.lookup(req.href.trim_end_matches('/')) {
                Lookup::Found(node) => return self.audit_reply(req, node),
                Lookup::Missing => return Err(errors::not_found(&req.href, &req.href)),
                Lookup::NotMine => {}
            }
        }
        match (op.method, op.path) {
            ("DELETE", paths::AUTHENTICATION) => {
                state.sessions.logout(&caller.session);
                state.txs.release(&caller.session);
                return Ok(json_reply(
                    success_status(op, 200),
                    json!({ "meta": object_meta(&req.href, None) }),
                ));
            }
            (_, paths::TRANSACTION) => return self.transaction(state, req, &caller),
            ("GET", paths::CHANGES) => return Ok(self.changes(state, op, &caller)),
            ("POST", paths::PASSWORDS) => return self.create_password(state, req, &caller),
            ("DELETE", paths::ACTIVE_SESSIONS) => return self.close_active_session(state, req),
            ("POST", paths::FIRMWARE_TEST | paths::FIRMWARE_UPGRADE) => {
                return self.firmware_action(state, req, &caller)
            }
            _ => {}
        }
        let kind = op.resource.and_then(ResourceKind::parse);
        let configuration = paths::is_configuration(&req.href);
        match (kind, op.method) {
            (Some(ResourceKind::Index), "GET") if configuration || !self.has_example(op) => {
                Ok(self.list_index(state, req, &caller))
            }
            (Some(ResourceKind::Collection), "GET") => {
                Ok(self.list_collection(state, req, &caller))
            }
            (Some(ResourceKind::Collection), "POST") => self.create(state, req, &caller),
            (Some(ResourceKind::Item | ResourceKind::Singleton), "GET") => {
                self.get_object(state, req, &caller)
            }
            (Some(ResourceKind::Item | ResourceKind::Singleton), "PUT") => {
                self.replace(state, req, &caller)
            }
            (Some(ResourceKind::Item), "DELETE") => self.delete(state, req, &caller),
            _ => {
                self.require_transaction(state, req, &caller)?;
                self.replay_for(op, &req.href)
            }
        }
    }

    /// The documented answer of an operation served from examples. A GET of one member
    /// (`.../{id}`) answers the example, of its own or among the entries of its parent's
    /// listing, whose `meta.href` is the request's: the member's own data, or 404 when the
    /// examples know no such member.
    fn replay_for(&self, op: &OperationInfo, href: &str) -> Reply {
        if op.method != "GET" || !op.path.contains('{') {
            return Ok(self.replay(op, href));
        }
        let href = href.trim_end_matches('/');
        let is_member =
            |value: &Value| value.pointer("/meta/href").and_then(Value::as_str) == Some(href);
        let own = self
            .responses
            .get(&(op.path.to_owned(), op.method.to_owned()))
            .into_iter()
            .flatten()
            .find(|(_, example)| is_member(example));
        let listed = || {
            let parent = parent_href(op.path)?;
            self.responses
                .get(&(parent, "GET".to_owned()))?
                .iter()
                .filter_map(|(_, example)| example.get("items")?.as_array())
                .flatten()
                .find(|item| is_member(item))
        };
        match own.map(|(_, example)| example).or_else(listed) {
            Some(entry) => Ok(json_reply(success_status(op, 200), entry.clone())),
            None => Err(errors::not_found(href, href)),
        }
    }

    fn has_example(&self, op: &OperationInfo) -> bool {
        self.responses
            .contains_key(&(op.path.to_owned(), op.method.to_owned()))
    }

    fn login(&self, state: &mut State, req: &RawRequest) -> Reply {
        // `type=x509` asks for certificate login; without it a password is expected, and a
        // client certificate is the credential only when no password is sent.
        let x509 = match req.query.get("type") {
            None => false,
            Some(Value::String(kind)) if kind == "x509" => true,
            // The generated enumeration keeps unknown values; the appliance knows only x509.
            Some(other) => {
                return Err(ApiError::new(
                    400,
                    "InvalidQuery",
                    format!("unknown login type {other}; the only one is \"x509\""),
                    &req.href,
                ))
            }
        };
        let login = match (&req.basic_auth, &req.client_certificate) {
            (Some((user, password)), _) if !x509 => state.sessions.login(user, password),
            (_, Some(certificate)) if x509 || req.basic_auth.is_none() => {
                state.sessions.login_with_certificate(&certificate.0)
            }
            _ => return Err(errors::authentication_failure(&req.href)),
        };
        for evicted in state.sessions.take_evicted() {
            state.txs.release(&evicted);
        }
        let id = match login {
            Ok(id) => id,
            Err(session::SessionError::BadCredentials) => {
                return Err(errors::authentication_failure(&req.href))
            }
            Err(session::SessionError::Random(e)) => {
                return Err(errors::internal(&req.href, e.to_string()))
            }
        };
        let mut response = json_reply(
            success_status(req.operation, 200),
            json!({ "meta": object_meta(&req.href, None) }),
        );
        response.headers.push((
            "set-cookie".to_owned(),
            format!("session_id={id}; Path=/; HttpOnly"),
        ));
        Ok(response)
    }

    fn info(&self, op: &OperationInfo, href: &str, authenticated: bool) -> RawResponse {
        // The richest example is the authenticated answer; the anonymous one is derived from it.
        let field_count = |example: &Value| {
            example
                .get("body")
                .and_then(Value::as_object)
                .map_or(0, |body| body.len())
        };
        let mut response = self.replay_with(op, href, |examples| {
            examples.iter().max_by_key(|(_, e)| field_count(e))
        });
        if response.body.as_ref().and_then(|b| b.get("body")).is_none() {
            response.body = Some(json!({
                "key": "about_info",
                "body": {
                    "hostname": "fake-sps",
                    "domainname": "example.invalid",
                    "nickname": null,
                    "firmware_version": "8.0.0",
                    "version": "8.0.0",
                },
                "meta": object_meta(href, None),
            }));
        }
        if !authenticated {
            if let Some(Value::Object(body)) =
                response.body.as_mut().and_then(|b| b.get_mut("body"))
            {
                for field in INFO_AUTHENTICATED_FIELDS {
                    body.remove(field);
                }
            }
        }
        response
    }

    /// Replays the spec's example for the operation, with `meta.href`/`parent` set to the
    /// request's own; without an example, a bare `{meta}`.
    fn replay(&self, op: &OperationInfo, href: &str) -> RawResponse {
        self.replay_with(op, href, |examples| examples.first())
    }

    /// Like [`Self::replay`], with `choose` picking among the operation's examples.
    fn replay_with(
        &self,
        op: &OperationInfo,
        href: &str,
        choose: impl FnOnce(&[(u16, Value)]) -> Option<&(u16, Value)>,
    ) -> RawResponse {
        let key = (op.path.to_owned(), op.method.to_owned());
        match self
            .responses
            .get(&key)
            .and_then(|examples| choose(examples))
        {
            Some((status, example)) => {
                let mut body = example.clone();
                if let Some(Value::Object(meta)) = body.get_mut("meta") {
                    if meta.contains_key("href") {
                        meta.insert("href".into(), json!(href));
                    }
                    if meta.contains_key("parent") {
                        meta.insert("parent".into(), json!(parent_href(href)));
                    }
                }
                let status = if op.statuses.contains(status) {
                    *status
                } else {
                    success_status(op, 200)
                };
                json_reply(status, body)
            }
            None => {
                let status = success_status(op, 200);
                // A redirection (the welcome wizard's 303) carries no body.
                let body = (!(300..400).contains(&status))
                    .then(|| json!({ "meta": object_meta(href, None) }));
                RawResponse {
                    status,
                    body,
                    headers: Vec::new(),
                    file: None,
                }
            }
        }
    }

    /// The hrefs of `href`'s siblings (its parent's children, in order), if the parent is a
    /// collection or an index.
    fn siblings(&self, view: &Store, href: &str) -> Option<Vec<String>> {
        let parent = parent_href(href)?;
        let node = self.table.match_href(&parent)?;
        match node.kind? {
            ResourceKind::Collection => Some(
                view.children(&parent)
                    .into_iter()
                    .map(|(_, h, _)| h.to_owned())
                    .collect(),
            ),
            ResourceKind::Index => Some(self.index_children(node.template, &parent)),
            _ => None,
        }
    }

    fn index_children(&self, template: &str, href: &str) -> Vec<String> {
        self.table
            .children(template)
            .iter()
            .map(|child| format!("{href}/{}", last_segment(child.template)))
            .collect()
    }

    fn meta(&self, view: &Store, href: &str) -> Map<String, Value> {
        object_meta(href, self.siblings(view, href).as_deref())
    }

    fn list_index(&self, state: &State, req: &RawRequest, caller: &Caller) -> RawResponse {
        let href = req.href.trim_end_matches('/');
        let view = state.txs.view(&caller.session);
        let items: Vec<Value> = self
            .index_children(req.operation.path, href)
            .iter()
            .map(|child| reference(last_segment(child), child))
            .collect();
        json_reply(
            success_status(req.operation, 200),
            json!({ "items": items, "meta": self.meta(view, href) }),
        )
    }

    /// Whether the spec's list example embeds bodies in its items (newer SPS lists do).
    fn list_embeds_bodies(&self, op: &OperationInfo) -> bool {
        let key = (op.path.to_owned(), op.method.to_owned());
        self.responses
            .get(&key)
            .and_then(|examples| examples.first())
            .and_then(|(_, example)| example.pointer("/items/0/body"))
            .is_some()
    }

    fn list_collection(&self, state: &State, req: &RawRequest, caller: &Caller) -> RawResponse {
        let href = req.href.trim_end_matches('/');
        let view = state.txs.view(&caller.session);
        let with_bodies = self.list_embeds_bodies(req.operation);
        let items: Vec<Value> = view
            .children(href)
            .into_iter()
            .map(|(key, child, body)| {
                let mut item = reference(key, child);
                if let (true, Value::Object(map)) = (with_bodies, &mut item) {
                    map.insert("body".into(), body.clone());
                }
                item
            })
            .collect();
        json_reply(
            success_status(req.operation, 200),
            json!({ "items": items, "meta": self.meta(view, href) }),
        )
    }

    fn get_object(&self, state: &State, req: &RawRequest, caller: &Caller) -> Reply {
        let href = req.href.trim_end_matches('/');
        let view = state.txs.view(&caller.session);
        if parent_href(href).as_deref() == Some(paths::PASSWORDS) {
            // The secret never reads back: the object only confirms that it exists.
            if !view.has_password(last_segment(href)) {
                return Err(errors::not_found(&req.href, href));
            }
            return Ok(json_reply(
                success_status(req.operation, 200),
                json!({ "key": last_segment(href), "body": {}, "meta": object_meta(href, None) }),
            ));
        }
        let body = view
            .get(href)
            .ok_or_else(|| errors::not_found(&req.href, href))?;
        Ok(json_reply(
            success_status(req.operation, 200),
            json!({ "key": last_segment(href), "body": body, "meta": self.meta(view, href) }),
        ))
    }

    /// Runs `write` in the caller's transaction (opening one implicitly if so configured), or
    /// directly on the committed configuration for an operation that needs no transaction.
    fn write(
        &self,
        state: &mut State,
        req: &RawRequest,
        caller: &Caller,
        mut write: impl FnMut(&mut Transaction) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        if !req.operation.transaction_required {
            state.txs.apply_direct(&mut write)?;
            if let Some(path) = &self.state_file {
                persist::save(path, state.txs.committed()).map_err(persist_error(&req.href))?;
            }
            return Ok(());
        }
        if self.implicit_transactions && state.txs.status(&caller.session) == TxStatus::Closed {
            state
                .txs
                .open(&caller.session, &caller.user)
                .map_err(tx_error(&req.href))?;
        }
        let tx = state
            .txs
            .for_write(&caller.session)
            .map_err(tx_error(&req.href))?;
        write(tx)
    }

    /// A configuration change the engine only answers (an action, an upload that links no
    /// object) still needs the transaction, as every write does.
    fn require_transaction(
        &self,
        state: &mut State,
        req: &RawRequest,
        caller: &Caller,
    ) -> Result<(), ApiError> {
        if req.operation.transaction_required {
            self.write(state, req, caller, |_| Ok(()))?;
        }
        Ok(())
    }

    /// Bare keys written into `x-sps-refers-to` properties read back as `{key, meta}`.
    fn normalize_references(&self, href: &str, body: &mut Value) {
        if let Some(node) = self.table.match_href(href) {
            self.references.normalize(node.template, href, body);
        }
    }

    fn written(op: &OperationInfo, preferred: u16, key: &str, href: &str) -> RawResponse {
        json_reply(
            success_status(op, preferred),
            json!({ "key": key, "meta": object_meta(href, None) }),
        )
    }

    fn request_body(req: &RawRequest) -> Result<Value, ApiError> {
        req.body
            .clone()
            .ok_or_else(|| errors::invalid_body(&req.href, "A JSON request body is required"))
    }

    fn create(&self, state: &mut State, req: &RawRequest, caller: &Caller) -> Reply {
        let collection = req.href.trim_end_matches('/');
        let body = Self::request_body(req)?;
        // 11 random bytes: the 22 hex chars of SPS object keys.
        let key =
            session::random_hex(11).map_err(|e| errors::internal(&req.href, e.to_string()))?;
        let href = format!("{collection}/{key}");
        self.write(state, req, caller, |tx| {
            check_password_refs(&tx.working, &req.href, &href, &body)?;
            let mut body = body.clone();
            tx.working.normalize_password_refs(&mut body);
            self.normalize_references(&href, &mut body);
            tx.create(&href, body);
            Ok(())
        })?;
        Ok(Self::written(req.operation, 201, &key, &href))
    }

    fn replace(&self, state: &mut State, req: &RawRequest, caller: &Caller) -> Reply {
        let href = req.href.trim_end_matches('/');
        let body = Self::request_body(req)?;
        let is_item = req.operation.resource == Some("item");
        self.write(state, req, caller, |tx| {
            if is_item && !tx.working.contains(href) {
                return Err(errors::not_found(&req.href, href));
            }
            check_password_refs(&tx.working, &req.href, href, &body)?;
            let mut body = body.clone();
            tx.working.normalize_password_refs(&mut body);
            self.normalize_references(href, &mut body);
            tx.replace(href, body);
            Ok(())
        })?;
        Ok(Self::written(req.operation, 200, last_segment(href), href))
    }

    fn delete(&self, state: &mut State, req: &RawRequest, caller: &Caller) -> Reply {
        let href = req.href.trim_end_matches('/');
        let firmware_slot = parent_href(href).as_deref() == Some(paths::FIRMWARE_SLOTS);
        self.write(state, req, caller, |tx| {
            let body = tx
                .working
                .get(href)
                .ok_or_else(|| errors::not_found(&req.href, href))?;
            if firmware_slot && in_use(body) {
                return Err(errors::semantic(
                    &req.href,
                    "The running firmware and the one selected for the next boot cannot be deleted",
                    json!({ "path": href }),
                ));
            }
            tx.delete(href);
            Ok(())
        })?;
        let meta = json!({ "href": href, "parent": parent_href(href) });
        Ok(json_reply(
            success_status(req.operation, 200),
            json!({ "meta": meta }),
        ))
    }

    fn create_password(&self, state: &mut State, req: &RawRequest, caller: &Caller) -> Reply {
        let body = Self::request_body(req)?;
        if !body.get("plain").is_some_and(Value::is_string) {
            return Err(errors::incomplete_body(&req.href, &["plain"]));
        }
        let key = session::random_uuid().map_err(|e| errors::internal(&req.href, e.to_string()))?;
        let href = format!("{}/{key}", paths::PASSWORDS);
        self.write(state, req, caller, |tx| {
            tx.create_password(&href, &key);
            Ok(())
        })?;
        Ok(Self::written(req.operation, 201, &key, &href))
    }

    fn transaction_status(&self, state: &State, caller: &Caller) -> Value {
        let status = match state.txs.status(&caller.session) {
            TxStatus::Open => "open",
            TxStatus::Closed => "closed",
        };
        let mut meta = object_meta(paths::TRANSACTION, None);
        meta.insert("changes".into(), json!(paths::CHANGES));
        if let Some(left) = state.sessions.remaining(&caller.session) {
            meta.insert("remaining_seconds".into(), json!(left.as_secs()));
        }
        json!({
            "key": "transaction",
            "body": { "status": status, "commit_message": "optional" },
            "meta": meta,
        })
    }

    fn transaction(&self, state: &mut State, req: &RawRequest, caller: &Caller) -> Reply {
        let op = req.operation;
        match op.method {
            "GET" => {}
            "POST" => state
                .txs
                .open(&caller.session, &caller.user)
                .map_err(tx_error(&req.href))?,
            "PUT" => {
                let status = req
                    .body
                    .as_ref()
                    .and_then(|b| b.get("status"))
                    .and_then(Value::as_str);
                match status {
                    Some("commit") => {
                        let state_file = self.state_file.as_deref();
                        state
                            .txs
                            .commit(&caller.session, |store| match state_file {
                                Some(path) => persist::save(path, store),
                                None => Ok(()),
                            })
                            .map_err(tx_error(&req.href))?
                            .map_err(persist_error(&req.href))?;
                    }
                    Some("rollback") => state
                        .txs
                        .rollback(&caller.session)
                        .map_err(tx_error(&req.href))?,
                    Some(other) => {
                        return Err(errors::invalid_body(
                            &req.href,
                            format!("status must be \"commit\", not {other:?}"),
                        ))
                    }
                    None => return Err(errors::incomplete_body(&req.href, &["status"])),
                }
            }
            "DELETE" => state
                .txs
                .rollback(&caller.session)
                .map_err(tx_error(&req.href))?,
            method => return Err(errors::method_not_allowed(&req.href, method)),
        }
        Ok(json_reply(
            success_status(op, 200),
            self.transaction_status(state, caller),
        ))
    }

    fn changes(&self, state: &State, op: &OperationInfo, caller: &Caller) -> RawResponse {
        let changes: Vec<Value> = state
            .txs
            .get(&caller.session)
            .map(|tx| tx.changes.iter().map(Change::to_json).collect())
            .unwrap_or_default();
        let mut meta = object_meta(paths::CHANGES, None);
        meta.insert("transaction".into(), json!(paths::TRANSACTION));
        json_reply(
            success_status(op, 200),
            json!({ "changes": changes, "meta": meta }),
        )
    }

    fn close_active_session(&self, state: &mut State, req: &RawRequest) -> Reply {
        // An empty id is no id (`quirks` hands a request without `id` on in that form).
        let id = req
            .query
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        let Some(id) = id else {
            return Err(ApiError::new(
                400,
                "SessionIdMissing",
                "The id query parameter naming the session to close is missing",
                &req.href,
            ));
        };
        if !state.active_sessions.remove(id) {
            return Err(ApiError::new(
                404,
                "SessionCouldNotBeFound",
                "No active session has the given id",
                &req.href,
            )
            .with_details(json!({ "id": id })));
        }
        Ok(json_reply(
            success_status(req.operation, 200),
            json!({ "meta": object_meta(&req.href, None) }),
        ))
    }

    fn firmware_action(&self, state: &State, req: &RawRequest, caller: &Caller) -> Reply {
        // An empty slot_id is no slot_id (`quirks` hands a body without one on in that form).
        let slot = match req.body.as_ref().and_then(|b| b.get("slot_id")) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            // The router does not enforce `SlotId`'s bounds (`minimum`, `pattern`); a value
            // outside them names no slot and must not be echoed into the 404 details, whose
            // `resource` is a `SlotId` too.
            Some(value) => Some(slot_number(value).ok_or_else(|| {
                errors::invalid_body(
                    &req.href,
                    "slot_id must be a non-negative integer or a string of digits",
                )
            })?),
        };
        let Some(slot) = slot else {
            return Err(errors::incomplete_body(&req.href, &["slot_id"]));
        };
        let slot_href = format!("{}/{slot}", paths::FIRMWARE_SLOTS);
        let view = state.txs.view(&caller.session);
        if slot_is_empty(view.get(&slot_href)) {
            // SPS names the mount point without the `/api` prefix.
            let mount_point = req.href.strip_prefix(paths::API).unwrap_or(&req.href);
            return Err(ApiError::new(
                404,
                "ResourceNotFound",
                "Resource was not found",
                &req.href,
            )
            .with_details(json!({ "mount_point": mount_point, "resource": slot })));
        }
        let mut response = self.replay(req.operation, &req.href);
        if let Some(Value::Object(body)) = response.body.as_mut() {
            if body.contains_key("key") {
                body.insert("key".into(), json!(slot));
            }
            if let Some(Value::Object(meta)) = body.get_mut("meta") {
                if meta.contains_key("slot") {
                    meta.insert("slot".into(), json!(slot_href));
                }
            }
        }
        Ok(response)
    }
}

/// Whether the spec documents the operation only as refused: no success status, but 405
/// (listing the write-once passwords). The appliance answers such a call with the refusal.
fn refused_as_documented(op: &OperationInfo) -> bool {
    op.statuses.contains(&405) && !op.statuses.iter().any(|s| (200..300).contains(s))
}

/// The slot number of a `SlotId` value (a non-negative integer or a string of digits).
fn slot_number(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        _ => None,
    }
}

/// Whether a firmware slot runs now or is selected for the next boot.
fn in_use(slot: &Value) -> bool {
    ["current", "after_reboot"]
        .iter()
        .any(|flag| slot.get(flag) == Some(&Value::Bool(true)))
}

/// A missing slot and a slot object without firmware are both empty.
fn slot_is_empty(slot: Option<&Value>) -> bool {
    match slot {
        None | Some(Value::Null) => true,
        Some(Value::Object(map)) => map.is_empty(),
        Some(_) => false,
    }
}

mod audit;

#[cfg(test)]
mod tests;
