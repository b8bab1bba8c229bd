//! The API described as an OpenAPI 3.1 document, served at `GET /api/openapi.json`.
//!
//! It is built from one table, [`OPERATIONS`] (method, path, who may call it, parameters,
//! request body, replies and refusals of every route), and from the component schemas in
//! [`schemas`], which describe the JSON as serde writes and reads it: every field a reply
//! always carries is required, `Option`s are nullable, and objects admit no other fields.
//! What holds for every operation of a kind is added here once rather than written in each
//! row: 401 for anything that needs a session, the CSRF 403 for anything that changes state,
//! the 422 for a body that is not the JSON described, and 500.
//!
//! Tests keep the document true: it must list exactly the routes the router declares, and
//! real replies of every operation must validate against it (`tests/tests/openapi.rs`). A new
//! route needs a row here, a changed type a changed schema.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use readroom_domain::{Dce, PixelFormat, Role, Sector, SeriesKind, Zone};
use readroom_store::MessageKind;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// `GET /api/openapi.json`: public, since it describes the API and holds no data.
pub async fn document() -> impl IntoResponse {
    static DOCUMENT: LazyLock<String> = LazyLock::new(|| build().to_string());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        DOCUMENT.as_str(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Delete => "delete",
        }
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy)]
enum Caller {
    /// Anyone, signed in or not.
    Anyone,
    /// Signed-in users; the text says which of them.
    SignedIn(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Body {
    /// A component schema.
    schema: &'static str,
}

#[derive(Debug, Clone, Copy)]
enum ParamType {
    String,
    Integer { minimum: i64, maximum: i64 },
}

/// A query-string parameter; path parameters are read from the path itself.
#[derive(Debug, Clone, Copy)]
struct Param {
    name: &'static str,
    kind: ParamType,
    description: &'static str,
}

/// What a reply carries.
#[derive(Debug, Clone, Copy)]
enum Content {
    /// JSON of a component schema.
    Json(&'static str),
    /// A JSON array of a component schema.
    JsonList(&'static str),
    Nothing,
    Csv,
    /// 16-bit words, zstd-compressed as stored when the client offers zstd.
    Voxels,
    Png,
    /// This document.
    OpenApi,
}

#[derive(Debug, Clone, Copy)]
struct Reply {
    status: u16,
    content: Content,
    description: &'static str,
    /// Response headers worth knowing: name and meaning.
    headers: &'static [(&'static str, &'static str)],
}

const fn json(status: u16, schema: &'static str, description: &'static str) -> Reply {
    Reply {
        status,
        content: Content::Json(schema),
        description,
        headers: &[],
    }
}

const fn list(schema: &'static str, description: &'static str) -> Reply {
    Reply {
        status: 200,
        content: Content::JsonList(schema),
        description,
        headers: &[],
    }
}

const fn created_list(schema: &'static str, description: &'static str) -> Reply {
    Reply {
        status: 201,
        ..list(schema, description)
    }
}

const fn empty(status: u16, description: &'static str) -> Reply {
    Reply {
        status,
        content: Content::Nothing,
        description,
        headers: &[],
    }
}

const fn file(content: Content, description: &'static str) -> Reply {
    Reply {
        status: 200,
        content,
        description,
        headers: &[],
    }
}

const ETAG: (&str, &str) = (
    "ETag",
    "the content's hash: send it back in If-None-Match to get 304 while it is unchanged",
);
const IMMUTABLE: (&str, &str) = (
    "Cache-Control",
    "`private, max-age=31536000, immutable`: imported images never change",
);
const NOT_MODIFIED: Reply = Reply {
    headers: &[ETAG],
    ..empty(304, "the copy named in If-None-Match is current")
};
const VOXEL_HEADERS: &[(&str, &str)] = &[
    ETAG,
    IMMUTABLE,
    (
        "Content-Encoding",
        "`zstd` when the request's Accept-Encoding offers it: the stored frames are sent as \
         they are; absent otherwise",
    ),
    ("Vary", "`accept-encoding`"),
];
const CSV_HEADERS: &[(&str, &str)] =
    &[("Content-Disposition", "`attachment` with the file's name")];

struct Operation {
    method: Method,
    /// As the router declares it, under `/api`.
    path: &'static str,
    summary: &'static str,
    caller: Caller,
    query: &'static [Param],
    body: Option<Body>,
    replies: &'static [Reply],
    /// Refusals particular to the operation, with their reason here. Those every operation
    /// of its kind has are added by [`refusals`].
    refusals: &'static [(u16, &'static str)],
}

const fn body(schema: &'static str) -> Option<Body> {
    Some(Body { schema })
}

const ANY_USER: Caller = Caller::SignedIn("any signed-in user");
const ADMINS: Caller = Caller::SignedIn("administrators");
const PROGRAMME_LEADS: Caller = Caller::SignedIn("the programme's leads");
const PROGRAMME_FOLLOWERS: Caller =
    Caller::SignedIn("the programme's leads and experts, and administrators");
const TRAINEES: Caller = Caller::SignedIn("trainees");
const TRAINEE_FOLLOWERS: Caller = Caller::SignedIn(
    "the trainee themself, the experts and leads of a programme the trainee is in, and \
     administrators",
);
const CASE_READERS: Caller = Caller::SignedIn(
    "any signed-in user; a user who is only a trainee, for the cases of their open \
     assignments and the cases they have read",
);
const TRUTH_READERS: Caller = Caller::SignedIn(
    "experts, leads and administrators; a user who is only a trainee, once they have \
     submitted a first read of the case",
);
const ATTEMPT_READER: Caller = Caller::SignedIn("the trainee whose attempt it is");
const ATTEMPT_FOLLOWERS: Caller = Caller::SignedIn(
    "the trainee whose attempt it is, the experts and leads of its programme, and \
     administrators",
);

const NO_PROGRAMME: (u16, &str) = (404, "no programme has this id");
const NOT_LEAD: (u16, &str) = (403, "not a lead of this programme");
const NOT_FOLLOWER: (u16, &str) = (403, "neither a lead nor an expert of this programme");
const NO_ATTEMPT: (u16, &str) = (404, "no attempt has this id");
const NO_CASE: (u16, &str) = (404, "no case has this id");
const NO_SERIES: (u16, &str) = (404, "no series has this UID");
const NOT_GIVEN: (u16, &str) = (403, "a trainee whose assignments do not hold this case");
const INVALID: (u16, &str) = (422, "a field is out of range: `fields` names each");
const SUBMITTED: (u16, &str) = (409, "the report has been submitted and cannot change");

/// Every route of the API: the router in `lib.rs` declares exactly these.
const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::Get,
        path: "/session",
        summary: "Who is signed in, with the session's CSRF token (for a reloaded page)",
        caller: ANY_USER,
        query: &[],
        body: None,
        replies: &[json(
            200,
            "SessionReply",
            "the user and the session's CSRF token",
        )],
        refusals: &[],
    },
    Operation {
        method: Method::Post,
        path: "/session",
        summary: "Sign in: sets the session cookie and returns the CSRF token",
        caller: Caller::Anyone,
        query: &[],
        body: body("Credentials"),
        replies: &[Reply {
            headers: &[(
                "Set-Cookie",
                "`readroom_session`: HttpOnly, SameSite=Strict, Path=/, Secure when served \
                 over TLS",
            )],
            ..json(200, "SessionReply", "signed in")
        }],
        refusals: &[
            (
                401,
                "wrong username or password, or the account is disabled",
            ),
            (
                429,
                "too many failed sign-ins for this username or address: the message says \
                 when to try again",
            ),
        ],
    },
    Operation {
        method: Method::Delete,
        path: "/session",
        summary: "Sign out: ends the session",
        caller: ANY_USER,
        query: &[],
        body: None,
        replies: &[Reply {
            headers: &[("Set-Cookie", "clears `readroom_session`")],
            ..empty(204, "signed out")
        }],
        refusals: &[],
    },
    Operation {
        method: Method::Put,
        path: "/session/password",
        summary: "Change one's own password; ends one's other sessions",
        caller: ANY_USER,
        query: &[],
        body: body("PasswordChange"),
        replies: &[empty(204, "changed")],
        refusals: &[
            (
                422,
                "`current_password` is wrong (counted as a failed sign-in), or `new_password` \
                 is shorter than 8 characters",
            ),
            (
                429,
                "too many wrong passwords: the message says when to try again",
            ),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/users",
        summary: "Every account",
        caller: Caller::SignedIn("administrators, and leads (to find people to enrol)"),
        query: &[],
        body: None,
        replies: &[list("UserAccount", "the accounts")],
        refusals: &[(403, "neither an administrator nor a lead")],
    },
    Operation {
        method: Method::Post,
        path: "/users",
        summary: "Create an account",
        caller: ADMINS,
        query: &[],
        body: body("NewAccount"),
        replies: &[json(201, "UserAccount", "the new account")],
        refusals: &[
            (403, "not an administrator"),
            (409, "the username is taken"),
            (
                422,
                "a field is invalid (username, password, roles, display name): `fields` names it",
            ),
        ],
    },
    Operation {
        method: Method::Put,
        path: "/users/{id}/roles",
        summary: "Set an account's roles",
        caller: ADMINS,
        query: &[],
        body: body("RolesChange"),
        replies: &[json(200, "UserAccount", "the account with its new roles")],
        refusals: &[
            (403, "not an administrator"),
            (404, "no user has this id"),
            (409, "an administrator cannot remove their own admin role"),
            (422, "no role given"),
        ],
    },
    Operation {
        method: Method::Put,
        path: "/users/{id}/disabled",
        summary: "Disable an account (ending its sessions at once) or enable it again",
        caller: ADMINS,
        query: &[],
        body: body("DisabledChange"),
        replies: &[json(200, "UserAccount", "the account")],
        refusals: &[
            (403, "not an administrator"),
            (404, "no user has this id"),
            (409, "an administrator cannot disable their own account"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/audit",
        summary: "The audit log, newest first",
        caller: ADMINS,
        query: &[Param {
            name: "limit",
            kind: ParamType::Integer {
                minimum: 1,
                maximum: 1000,
            },
            description: "how many entries (100 when left out)",
        }],
        body: None,
        replies: &[list("AuditEntry", "the entries")],
        refusals: &[
            (403, "not an administrator"),
            (422, "`limit` is not a whole number from 1 to 1000"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/studies",
        summary: "Every stored study and the case made of it; `case_id` is null while the \
                  study lacks truth",
        caller: ADMINS,
        query: &[],
        body: None,
        replies: &[list("StudyEntry", "the studies, by UID")],
        refusals: &[(403, "not an administrator")],
    },
    Operation {
        method: Method::Get,
        path: "/imports",
        summary: "The import runs (`readroom import`, the demo bank's import), newest first, \
                  with their counts and numbers of refusals",
        caller: ADMINS,
        query: &[Param {
            name: "limit",
            kind: ParamType::Integer {
                minimum: 1,
                maximum: 1000,
            },
            description: "how many runs (50 when left out)",
        }],
        body: None,
        replies: &[list("ImportRun", "the runs")],
        refusals: &[
            (403, "not an administrator"),
            (
                422,
                "`limit` is not a whole number from 1 to 1000 (`fields` names `limit`, or \
                 `query` when it is not a number)",
            ),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/imports/{id}",
        summary: "An import run with a page of its refusals (path and reason), in the order \
                  they were found",
        caller: ADMINS,
        query: &[
            Param {
                name: "offset",
                kind: ParamType::Integer {
                    minimum: 0,
                    maximum: i64::MAX,
                },
                description: "the first refusal to give, counted from 0 (0 when left out)",
            },
            Param {
                name: "limit",
                kind: ParamType::Integer {
                    minimum: 1,
                    maximum: 1000,
                },
                description: "how many refusals (100 when left out)",
            },
        ],
        body: None,
        replies: &[json(
            200,
            "ImportRunDetail",
            "the run and the refusals asked for",
        )],
        refusals: &[
            (403, "not an administrator"),
            (404, "no import run has this id"),
            (
                422,
                "`offset` or `limit` is out of range (`fields` names it, or `query` when it is \
                 not a number)",
            ),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/cases",
        summary: "The case list (never the truth)",
        caller: CASE_READERS,
        query: &[],
        body: None,
        replies: &[list("CaseSummary", "the cases this user may read")],
        refusals: &[],
    },
    Operation {
        method: Method::Get,
        path: "/cases/{id}",
        summary: "A case with its prepared series (never the truth)",
        caller: CASE_READERS,
        query: &[],
        body: None,
        replies: &[json(200, "CaseDetail", "the case")],
        refusals: &[NOT_GIVEN, NO_CASE],
    },
    Operation {
        method: Method::Get,
        path: "/cases/{id}/truth",
        summary: "A case's histology truth and teaching notes",
        caller: TRUTH_READERS,
        query: &[],
        body: None,
        replies: &[json(200, "CaseTruth", "the truth")],
        refusals: &[
            (
                403,
                "a trainee who has not submitted a first read of this case",
            ),
            NO_CASE,
        ],
    },
    Operation {
        method: Method::Get,
        path: "/cases/{id}/reference-reads",
        summary: "The experts' reference reads of a case",
        caller: TRUTH_READERS,
        query: &[],
        body: None,
        replies: &[list("ReferenceRead", "the reference reads")],
        refusals: &[
            (
                403,
                "a trainee who has not submitted a first read of this case",
            ),
            NO_CASE,
        ],
    },
    Operation {
        method: Method::Put,
        path: "/cases/{id}/reference-read",
        summary: "File (or replace) one's own reference read of a case",
        caller: Caller::SignedIn("experts"),
        query: &[],
        body: body("Report"),
        replies: &[list("ReferenceRead", "every reference read of the case")],
        refusals: &[
            (403, "not an expert"),
            NO_CASE,
            (
                422,
                "the report is incomplete or out of range: `fields` names each wrong field",
            ),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/programmes",
        summary: "Programmes: all of them for an administrator, one's own for anyone else",
        caller: ANY_USER,
        query: &[],
        body: None,
        replies: &[list("Programme", "the programmes")],
        refusals: &[],
    },
    Operation {
        method: Method::Post,
        path: "/programmes",
        summary: "Create a programme, led by its creator",
        caller: Caller::SignedIn("leads"),
        query: &[],
        body: body("NewProgramme"),
        replies: &[json(201, "Programme", "the new programme")],
        refusals: &[(403, "not a lead"), INVALID],
    },
    Operation {
        method: Method::Get,
        path: "/programmes/{id}",
        summary: "A programme with its settings, members, cohorts, case sets and assignments",
        caller: PROGRAMME_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[json(200, "ProgrammeDetail", "the programme")],
        refusals: &[NOT_FOLLOWER, NO_PROGRAMME],
    },
    Operation {
        method: Method::Put,
        path: "/programmes/{id}/settings",
        summary: "Replace a programme's settings (stored scores change only when rescored)",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: body("ProgrammeSettings"),
        replies: &[json(200, "ProgrammeSettings", "the settings as saved")],
        refusals: &[NOT_LEAD, NO_PROGRAMME, INVALID],
    },
    Operation {
        method: Method::Post,
        path: "/programmes/{id}/members",
        summary: "Enrol a user in a programme as a lead, expert or trainee",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: body("NewMember"),
        replies: &[created_list("Member", "every member of the programme")],
        refusals: &[
            NOT_LEAD,
            NO_PROGRAMME,
            (409, "the user already has this role in the programme"),
            (
                422,
                "no user has this id, the user lacks the role, or the role is `admin`",
            ),
        ],
    },
    Operation {
        method: Method::Post,
        path: "/programmes/{id}/cohorts",
        summary: "Create a cohort in a programme",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: body("NewCohort"),
        replies: &[json(201, "Cohort", "the new cohort")],
        refusals: &[NOT_LEAD, NO_PROGRAMME, INVALID],
    },
    Operation {
        method: Method::Post,
        path: "/programmes/{id}/case-sets",
        summary: "Create a case set: an ordered list of cases from the bank",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: body("NewCaseSet"),
        replies: &[json(201, "CaseSet", "the new case set")],
        refusals: &[
            NOT_LEAD,
            NO_PROGRAMME,
            (422, "the name or a case id is invalid: `fields` names it"),
        ],
    },
    Operation {
        method: Method::Post,
        path: "/programmes/{id}/assignments",
        summary: "Assign a case set to a cohort, open and due at the times given",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: body("NewAssignment"),
        replies: &[json(201, "Assignment", "the new assignment")],
        refusals: &[
            NOT_LEAD,
            NO_PROGRAMME,
            (
                422,
                "the case set or cohort is not this programme's, or `due_at` is not after \
                 `opens_at`",
            ),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/programmes/{id}/dashboard",
        summary: "A programme's figures: each trainee's, the whole programme's, feedback \
                  turnaround",
        caller: PROGRAMME_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[json(200, "Dashboard", "the dashboard")],
        refusals: &[NOT_FOLLOWER, NO_PROGRAMME],
    },
    Operation {
        method: Method::Get,
        path: "/programmes/{id}/trend",
        summary: "A programme's accuracy week by week over the last 26 weeks, oldest first; \
                  weeks without a read are left out",
        caller: PROGRAMME_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[json(200, "Trend", "the trend")],
        refusals: &[NOT_FOLLOWER, NO_PROGRAMME],
    },
    Operation {
        method: Method::Get,
        path: "/programmes/{id}/export/attempts.csv",
        summary: "Every submitted attempt of a programme, as CSV",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: None,
        replies: &[Reply {
            headers: CSV_HEADERS,
            ..file(Content::Csv, "one row per attempt, with a header row")
        }],
        refusals: &[NOT_LEAD, NO_PROGRAMME],
    },
    Operation {
        method: Method::Get,
        path: "/programmes/{id}/export/trainees.csv",
        summary: "Each trainee of a programme with their current figures, as CSV",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: None,
        replies: &[Reply {
            headers: CSV_HEADERS,
            ..file(Content::Csv, "one row per trainee, with a header row")
        }],
        refusals: &[NOT_LEAD, NO_PROGRAMME],
    },
    Operation {
        method: Method::Post,
        path: "/cohorts/{id}/members",
        summary: "Put a trainee of the programme in a cohort",
        caller: PROGRAMME_LEADS,
        query: &[],
        body: body("NewCohortMember"),
        replies: &[json(201, "Cohort", "the cohort with its members")],
        refusals: &[
            NOT_LEAD,
            (404, "no cohort has this id"),
            (409, "the trainee is already in this cohort"),
            (422, "the user is not a trainee of the programme"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/cohorts/{id}/dashboard",
        summary: "A cohort's figures: each trainee's, the whole cohort's, feedback turnaround",
        caller: PROGRAMME_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[json(200, "Dashboard", "the dashboard")],
        refusals: &[NOT_FOLLOWER, (404, "no cohort has this id")],
    },
    Operation {
        method: Method::Get,
        path: "/cohorts/{id}/trend",
        summary: "A cohort's accuracy week by week over the last 26 weeks, oldest first; \
                  weeks without a read are left out",
        caller: PROGRAMME_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[json(200, "Trend", "the trend")],
        refusals: &[NOT_FOLLOWER, (404, "no cohort has this id")],
    },
    Operation {
        method: Method::Get,
        path: "/assignments",
        summary: "What the signed-in trainee has been given: open and due dates and progress",
        caller: TRAINEES,
        query: &[],
        body: None,
        replies: &[list("TraineeAssignment", "the assignments")],
        refusals: &[(403, "not a trainee")],
    },
    Operation {
        method: Method::Get,
        path: "/rereads",
        summary: "The signed-in trainee's coming and due re-reads, soonest first",
        caller: TRAINEES,
        query: &[],
        body: None,
        replies: &[list("Reread", "the re-reads")],
        refusals: &[(403, "not a trainee")],
    },
    Operation {
        method: Method::Get,
        path: "/attempts",
        summary: "A trainee's attempts, oldest first",
        caller: TRAINEE_FOLLOWERS,
        query: &[Param {
            name: "trainee_id",
            kind: ParamType::String,
            description: "whose attempts: the signed-in user's when left out",
        }],
        body: None,
        replies: &[list("Attempt", "the attempts")],
        refusals: &[
            (
                422,
                "an unknown or malformed query parameter (`fields` names `query`)",
            ),
            (403, "may not follow this trainee"),
        ],
    },
    Operation {
        method: Method::Post,
        path: "/attempts",
        summary: "Open a case for reading: the first read of an assigned case, or a due \
                  re-read",
        caller: TRAINEES,
        query: &[],
        body: body("StartReading"),
        replies: &[
            json(201, "Attempt", "a new reading, started now"),
            json(
                200,
                "Attempt",
                "the reading of this case already open, as it is",
            ),
        ],
        refusals: &[
            (
                403,
                "not a trainee, or the case is in none of the trainee's open assignments",
            ),
            (409, "the case has been read and no re-read of it is due"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/attempts/{id}",
        summary: "An attempt with its case; once submitted, with the truth, reference reads \
                  and feedback",
        caller: ATTEMPT_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[json(200, "AttemptDetail", "the attempt")],
        refusals: &[(403, "may not see this attempt"), NO_ATTEMPT],
    },
    Operation {
        method: Method::Put,
        path: "/attempts/{id}/report",
        summary: "Save a draft report (incomplete is fine; out of range is not)",
        caller: ATTEMPT_READER,
        query: &[],
        body: body("Report"),
        replies: &[json(200, "Report", "the draft as saved")],
        refusals: &[
            (403, "not this attempt's trainee"),
            NO_ATTEMPT,
            SUBMITTED,
            INVALID,
        ],
    },
    Operation {
        method: Method::Post,
        path: "/attempts/{id}/submit",
        summary: "Submit the report: freezes it, scores it against histology and returns the \
                  result",
        caller: ATTEMPT_READER,
        query: &[],
        body: body("Report"),
        replies: &[json(
            200,
            "AttemptDetail",
            "the submitted attempt with its score and result",
        )],
        refusals: &[
            (403, "not this attempt's trainee"),
            NO_ATTEMPT,
            SUBMITTED,
            (
                422,
                "the report is incomplete or out of range: `fields` names each wrong field",
            ),
        ],
    },
    Operation {
        method: Method::Post,
        path: "/attempts/{id}/messages",
        summary: "Post to a submitted attempt's thread: a question from its trainee, feedback \
                  or an answer from an expert",
        caller: Caller::SignedIn(
            "the attempt's trainee (questions) and the experts of its programme (feedback \
             and answers)",
        ),
        query: &[],
        body: body("NewMessage"),
        replies: &[created_list("Message", "the whole thread")],
        refusals: &[
            (403, "may not post this kind of message on this attempt"),
            NO_ATTEMPT,
            (409, "the attempt has not been submitted yet"),
            (422, "the body or a mark is invalid: `fields` names it"),
        ],
    },
    Operation {
        method: Method::Post,
        path: "/attempts/{id}/read",
        summary: "Mark an attempt's thread as read by the signed-in user",
        caller: ATTEMPT_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[empty(204, "marked")],
        refusals: &[(403, "may not see this attempt"), NO_ATTEMPT],
    },
    Operation {
        method: Method::Get,
        path: "/preferences",
        summary: "The signed-in user's preferences (the viewer's shortcuts and buttons)",
        caller: ANY_USER,
        query: &[],
        body: None,
        replies: &[json(
            200,
            "Preferences",
            "the preferences; defaults until saved",
        )],
        refusals: &[],
    },
    Operation {
        method: Method::Put,
        path: "/preferences",
        summary: "Replace the signed-in user's preferences",
        caller: ANY_USER,
        query: &[],
        body: body("Preferences"),
        replies: &[json(200, "Preferences", "as now stored")],
        refusals: &[(422, "an unknown field, key or command: `fields` names it")],
    },
    Operation {
        method: Method::Get,
        path: "/unread",
        summary: "Unread messages: feedback and answers for a trainee, questions for an expert",
        caller: ANY_USER,
        query: &[],
        body: None,
        replies: &[json(200, "Unread", "the counts")],
        refusals: &[],
    },
    Operation {
        method: Method::Get,
        path: "/review-queue",
        summary: "The signed-in expert's review queue, oldest first",
        caller: Caller::SignedIn("experts"),
        query: &[],
        body: None,
        replies: &[list("QueueItem", "the attempts waiting")],
        refusals: &[(403, "not an expert")],
    },
    Operation {
        method: Method::Get,
        path: "/trainees/{id}/rolling",
        summary: "A trainee's rolling accuracy over the last 20 and 50 first reads",
        caller: TRAINEE_FOLLOWERS,
        query: &[],
        body: None,
        replies: &[json(200, "TraineeRolling", "the figures")],
        refusals: &[
            (403, "may not follow this trainee"),
            (404, "no user has this id"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/trainees/{id}/analytics",
        summary: "A trainee's full figures: learning curve, sensitivity and specificity, \
                  AUROC, kappa, CUSUM, misses by sector, reading time, re-read agreement",
        caller: TRAINEE_FOLLOWERS,
        query: &[Param {
            name: "programme_id",
            kind: ParamType::String,
            description: "the programme whose CUSUM rates to use; the defaults when left out",
        }],
        body: None,
        replies: &[json(200, "TraineeAnalytics", "the figures")],
        refusals: &[
            (
                422,
                "an unknown or malformed query parameter (`fields` names `query`)",
            ),
            (403, "may not follow this trainee"),
            (404, "no user, or no programme, has this id"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/trainees/{id}/record",
        summary: "A trainee's training record (cases read, time spent, scores, every \
                  submitted read) as of a moment, with its verification code",
        caller: TRAINEE_FOLLOWERS,
        query: &[Param {
            name: "as_of",
            kind: ParamType::Integer {
                minimum: 0,
                maximum: i64::MAX,
            },
            description: "count reads submitted up to this moment (Unix ms); now when left out",
        }],
        body: None,
        replies: &[json(200, "TrainingRecord", "the record")],
        refusals: &[
            (
                422,
                "`as_of` is in the future, or an unknown or malformed query parameter",
            ),
            (403, "may not follow this trainee"),
            (404, "no user has this id"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/trainees/{id}/record/verify",
        summary: "Whether a training record's verification code matches what the server \
                  holds: the record is built again for the code's moment and compared",
        caller: TRAINEE_FOLLOWERS,
        query: &[Param {
            name: "code",
            kind: ParamType::String,
            description: "the code printed on the record (required): RR1-<moment>-<digest>",
        }],
        body: None,
        replies: &[json(
            200,
            "RecordVerification",
            "whether it is valid, and the record as held",
        )],
        refusals: &[
            (
                422,
                "no `code`, or one that is not a record's code or names a future moment",
            ),
            (403, "may not follow this trainee"),
            (404, "no user has this id"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/series/{uid}",
        summary: "A series' prepared metadata: geometry in patient coordinates, frames, \
                  window presets",
        caller: CASE_READERS,
        query: &[],
        body: None,
        replies: &[json(200, "PreparedSeries", "the series")],
        refusals: &[NOT_GIVEN, NO_SERIES],
    },
    Operation {
        method: Method::Get,
        path: "/series/{uid}/voxels",
        summary: "All frames of a series: little-endian 16-bit words, phase by phase, slice \
                  by slice",
        caller: CASE_READERS,
        query: &[],
        body: None,
        replies: &[
            Reply {
                headers: VOXEL_HEADERS,
                ..file(Content::Voxels, "the voxels")
            },
            NOT_MODIFIED,
        ],
        refusals: &[NOT_GIVEN, NO_SERIES],
    },
    Operation {
        method: Method::Get,
        path: "/series/{uid}/frames/{index}",
        summary: "One frame of a series, to show an image before the whole series has arrived",
        caller: CASE_READERS,
        query: &[],
        body: None,
        replies: &[
            Reply {
                headers: VOXEL_HEADERS,
                ..file(Content::Voxels, "the frame's voxels")
            },
            NOT_MODIFIED,
        ],
        refusals: &[
            (422, "`index` is not a whole number (`fields` names `path`)"),
            NOT_GIVEN,
            (404, "no series has this UID, or it has no frame at `index`"),
        ],
    },
    Operation {
        method: Method::Get,
        path: "/series/{uid}/thumbnail.png",
        summary: "A small PNG of a series, for case lists",
        caller: CASE_READERS,
        query: &[],
        body: None,
        replies: &[
            Reply {
                headers: &[ETAG, IMMUTABLE],
                ..file(Content::Png, "the thumbnail")
            },
            NOT_MODIFIED,
        ],
        refusals: &[NOT_GIVEN, NO_SERIES],
    },
    Operation {
        method: Method::Get,
        path: "/openapi.json",
        summary: "This document",
        caller: Caller::Anyone,
        query: &[],
        body: None,
        replies: &[file(
            Content::OpenApi,
            "the OpenAPI 3.1 document of the API",
        )],
        refusals: &[],
    },
];

const DESCRIPTION: &str = "\
The JSON API of Readroom, case-based prostate MRI training.

**Signing in.** `POST /session` sets the `readroom_session` cookie and returns a `csrf_token`. \
Every other operation but this document needs the cookie, and every request other than GET, \
HEAD and OPTIONS must also send the token in the `X-CSRF-Token` header (`GET /session` gives it \
again to a reloaded page).

**Errors** are one JSON shape, `{\"error\": {\"code\", \"message\", \"fields\"}}`, where \
`fields` (only with 422) names each wrong field of the request by its path \
(`lesions[1].t2w_score`), or `body`, `query` or `path` when those cannot be read at all.

**Values.** Times are Unix milliseconds. Ids are opaque strings. Patient coordinates are DICOM \
LPS, in millimetres. A case's truth leaves the server only for a trainee who has submitted a \
read of it.";

fn build() -> Value {
    let mut paths = Map::new();
    for operation in OPERATIONS {
        let item = paths
            .entry(operation.path)
            .or_insert_with(|| Value::Object(Map::new()));
        item[operation.method.name()] = describe(operation);
    }
    json!({
        "openapi": "3.1.1",
        "info": {
            "title": "Readroom API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api"}],
        "security": [{"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "readroom_session",
                    "description": "The session cookie that `POST /session` sets.",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-CSRF-Token",
                    "description": "The session's `csrf_token`: required with the cookie on \
                                    every request other than GET, HEAD and OPTIONS.",
                },
            },
        },
    })
}

fn describe(operation: &Operation) -> Value {
    let changes_state = operation.method != Method::Get;
    let (who, security) = match operation.caller {
        Caller::Anyone => ("anyone, signed in or not", json!([])),
        Caller::SignedIn(who) if changes_state => (who, json!([{"session": [], "csrf": []}])),
        Caller::SignedIn(who) => (who, json!([{"session": []}])),
    };
    let mut responses = Map::new();
    for reply in operation.replies {
        responses.insert(reply.status.to_string(), reply_object(reply));
    }
    for (status, response) in refusals(operation) {
        responses.insert(status.to_string(), response);
    }
    let mut described = json!({
        "operationId": operation_id(operation),
        "tags": [tag(operation.path)],
        "summary": operation.summary,
        "description": format!("Who may call it: {who}."),
        "security": security,
        "responses": responses,
    });
    let parameters = parameters(operation);
    if !parameters.is_empty() {
        described["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = operation.body {
        described["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": schema_ref(body.schema)}},
        });
    }
    described
}

/// `post_attempts_id_submit` for `POST /attempts/{id}/submit`.
fn operation_id(operation: &Operation) -> String {
    let words: Vec<String> = operation
        .path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect();
    format!("{}_{}", operation.method.name(), words.join("_"))
}

/// The first segment of the path: `attempts` for `/attempts/{id}/submit`.
fn tag(path: &str) -> &str {
    path.trim_start_matches('/')
        .split(['/', '.'])
        .next()
        .unwrap_or_default()
}

fn parameters(operation: &Operation) -> Vec<Value> {
    let mut parameters = Vec::new();
    let segments: Vec<&str> = operation.path.split('/').collect();
    for (at, segment) in segments.iter().enumerate() {
        let Some(name) = segment
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
        else {
            continue;
        };
        let owner = at
            .checked_sub(1)
            .and_then(|before| segments.get(before))
            .copied()
            .unwrap_or_default();
        let (schema, description) = match name {
            "index" => (
                json!({"type": "integer", "minimum": 0}),
                "the frame, counted phase by phase, slice by slice: `phase * slices + slice`"
                    .to_owned(),
            ),
            "uid" => (json!({"type": "string"}), "the series' UID".to_owned()),
            _ => (
                json!({"type": "string"}),
                format!("the {}'s id", singular(owner)),
            ),
        };
        parameters.push(json!({
            "name": name,
            "in": "path",
            "required": true,
            "description": description,
            "schema": schema,
        }));
    }
    for param in operation.query {
        let schema = match param.kind {
            ParamType::String => json!({"type": "string"}),
            ParamType::Integer { minimum, maximum } => {
                json!({"type": "integer", "minimum": minimum, "maximum": maximum})
            }
        };
        parameters.push(json!({
            "name": param.name,
            "in": "query",
            "required": false,
            "description": param.description,
            "schema": schema,
        }));
    }
    if operation
        .replies
        .iter()
        .any(|reply| reply.status == NOT_MODIFIED.status)
    {
        parameters.push(json!({
            "name": "If-None-Match",
            "in": "header",
            "required": false,
            "description": "the ETag of a copy held: 304 while it is current",
            "schema": {"type": "string"},
        }));
    }
    parameters
}

/// `case` for `cases`: every collection of the API is named by a regular plural.
fn singular(plural: &str) -> &str {
    plural.strip_suffix('s').unwrap_or(plural)
}

fn reply_object(reply: &Reply) -> Value {
    let binary = |media: &str| json!({"type": "string", "contentMediaType": media});
    let content = match reply.content {
        Content::Json(name) => Some(("application/json", schema_ref(name))),
        Content::JsonList(name) => Some(("application/json", array(schema_ref(name)))),
        Content::Nothing => None,
        Content::Csv => Some(("text/csv", json!({"type": "string"}))),
        Content::Voxels => Some((
            "application/octet-stream",
            binary("application/octet-stream"),
        )),
        Content::Png => Some(("image/png", binary("image/png"))),
        Content::OpenApi => Some((
            "application/json",
            json!({"type": "object", "description": "an OpenAPI 3.1 document"}),
        )),
    };
    let mut object = json!({"description": reply.description});
    if let Some((media, schema)) = content {
        object["content"] = json!({ media: {"schema": schema} });
    }
    if !reply.headers.is_empty() {
        let headers: Map<String, Value> = reply
            .headers
            .iter()
            .map(|(name, description)| {
                (
                    (*name).to_owned(),
                    json!({"description": description, "schema": {"type": "string"}}),
                )
            })
            .collect();
        object["headers"] = Value::Object(headers);
    }
    object
}

/// Every refusal of an operation: its own, and those every operation of its kind has.
fn refusals(operation: &Operation) -> BTreeMap<u16, Value> {
    const CSRF: &str = "the X-CSRF-Token header is missing or is not this session's token";
    let signed_in = matches!(operation.caller, Caller::SignedIn(_));
    let changes_state = operation.method != Method::Get;
    let mut reasons: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for &(status, reason) in operation.refusals {
        reasons.entry(status).or_default().push(reason);
    }
    if signed_in {
        reasons
            .entry(401)
            .or_default()
            .insert(0, "not signed in, or the session has ended");
    }
    if signed_in && changes_state {
        reasons.entry(403).or_default().push(CSRF);
    }
    if operation.body.is_some() {
        reasons
            .entry(415)
            .or_default()
            .push("the body is not labelled `application/json`");
        reasons
            .entry(422)
            .or_default()
            .push("the body is not the JSON described (`fields` names `body`)");
    }
    reasons
        .entry(500)
        .or_default()
        .push("an internal error, logged; the message says nothing more");
    reasons
        .into_iter()
        .map(|(status, reasons)| {
            let content = json!({"application/json": {"schema": schema_ref("Error")}});
            let mut description = reasons.join("; or ");
            if let Some(first) = description.get(..1) {
                description = first.to_uppercase() + &description[1..];
            }
            (
                status,
                json!({"description": description, "content": content}),
            )
        })
        .collect()
}

// Schema helpers. Objects list what serde writes; `object` requires every field and closes the
// object, as serde writes every field of these types (an `Option` as null).

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn string() -> Value {
    json!({"type": "string"})
}

fn boolean() -> Value {
    json!({"type": "boolean"})
}

fn number() -> Value {
    json!({"type": "number"})
}

fn integer() -> Value {
    json!({"type": "integer"})
}

/// A count: a non-negative integer.
fn count() -> Value {
    json!({"type": "integer", "minimum": 0})
}

fn ranged(minimum: i64, maximum: i64) -> Value {
    json!({"type": "integer", "minimum": minimum, "maximum": maximum})
}

/// Unix time in milliseconds.
fn millis() -> Value {
    json!({"type": "integer", "description": "Unix time, milliseconds"})
}

/// A point or direction in patient coordinates (DICOM LPS), millimetres.
fn lps() -> Value {
    json!({"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3})
}

fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn described(mut schema: Value, description: &str) -> Value {
    schema["description"] = Value::from(description);
    schema
}

/// The schema, or null.
fn nullable(mut schema: Value) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(kind)) => {
            schema["type"] = json!([kind, "null"]);
            if let Some(Value::Array(values)) = schema.get_mut("enum") {
                values.push(Value::Null);
            }
            schema
        }
        _ => json!({"anyOf": [schema, {"type": "null"}]}),
    }
}

/// The names serde gives these values.
fn enumeration<T: Serialize>(values: &[T]) -> Value {
    let names: Vec<Value> = values
        .iter()
        .map(|value| serde_json::to_value(value).unwrap_or(Value::Null))
        .collect();
    json!({"type": "string", "enum": names})
}

/// A closed object whose every field is always written.
fn object(fields: &[(&str, Value)]) -> Value {
    let required: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
    json!({
        "type": "object",
        "properties": properties(fields),
        "required": required,
        "additionalProperties": false,
    })
}

/// A request body: only `required` must be sent; `closed` when unknown fields are refused.
fn input(fields: &[(&str, Value)], required: &[&str], closed: bool) -> Value {
    let mut schema = json!({
        "type": "object",
        "properties": properties(fields),
        "required": required,
    });
    if closed {
        schema["additionalProperties"] = Value::Bool(false);
    }
    schema
}

fn properties(fields: &[(&str, Value)]) -> Map<String, Value> {
    fields
        .iter()
        .map(|(name, schema)| ((*name).to_owned(), schema.clone()))
        .collect()
}

/// One variant of an internally tagged enum (`#[serde(tag = "kind")]`).
fn tagged(kind: &str, fields: &[(&str, Value)]) -> Value {
    let mut all = vec![("kind", json!({"const": kind}))];
    all.extend(fields.iter().cloned());
    object(&all)
}

fn user_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", string()),
        ("username", string()),
        ("display_name", string()),
        ("roles", array(schema_ref("Role"))),
    ]
}

fn case_summary_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", string()),
        ("title", string()),
        (
            "synthetic",
            described(
                boolean(),
                "generated data rather than a patient's: to be shown as such",
            ),
        ),
        ("clinical", schema_ref("ClinicalContext")),
        ("series", array(schema_ref("SeriesSummary"))),
    ]
}

fn attempt_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", string()),
        ("trainee_id", string()),
        ("case_id", string()),
        ("programme_id", string()),
        (
            "reread_number",
            described(count(), "0 for the first read; 1, 2, … for re-reads"),
        ),
        ("started_at", millis()),
        ("submitted_at", nullable(millis())),
        ("report", schema_ref("Report")),
        (
            "score",
            described(
                nullable(schema_ref("Score")),
                "the score at submission (or at the last rescore)",
            ),
        ),
        ("correct", nullable(boolean())),
        ("case_positive", nullable(boolean())),
        ("overall_category", nullable(ranged(1, 5))),
    ]
}

fn programme_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", string()),
        ("name", string()),
        (
            "settings",
            described(
                json!({"type": "object"}),
                "the settings as stored (see ProgrammeSettings): a setting added after they \
                 were stored is missing here and takes its default",
            ),
        ),
        ("created_at", millis()),
    ]
}

fn assignment_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", string()),
        ("programme_id", string()),
        ("case_set_id", string()),
        ("case_set_name", string()),
        ("cohort_id", string()),
        ("cohort_name", string()),
        ("opens_at", millis()),
        ("due_at", millis()),
    ]
}

fn with(mut fields: Vec<(&'static str, Value)>, more: &[(&'static str, Value)]) -> Value {
    fields.extend(more.iter().cloned());
    object(&fields)
}

/// The component schemas: every type a request or reply carries.
fn schemas() -> Map<String, Value> {
    let sectors: Vec<String> = Sector::all().iter().map(ToString::to_string).collect();
    let error_codes = [
        "unauthenticated",
        "forbidden",
        "csrf_token_rejected",
        "not_found",
        "conflict",
        "invalid",
        "too_many_attempts",
        "unsupported_media_type",
        "internal",
    ];
    let proportion = schema_ref("Proportion");
    let categories = ranged(1, 5);
    let schemas = [
        (
            "Error",
            object(&[(
                "error",
                input(
                    &[
                        ("code", json!({"type": "string", "enum": error_codes})),
                        ("message", string()),
                        (
                            "fields",
                            described(
                                json!({"type": "object", "additionalProperties": string()}),
                                "with 422: each wrong field by its path, with what is wrong",
                            ),
                        ),
                    ],
                    &["code", "message"],
                    true,
                ),
            )]),
        ),
        ("Role", enumeration(&Role::ALL)),
        (
            "Sector",
            described(
                json!({"type": "string", "enum": sectors}),
                "a sector of the PI-RADS v2.1 map",
            ),
        ),
        ("User", object(&user_fields())),
        (
            "SessionReply",
            object(&[
                ("user", schema_ref("User")),
                (
                    "csrf_token",
                    described(string(), "to send in X-CSRF-Token with every change"),
                ),
            ]),
        ),
        (
            "Credentials",
            input(
                &[("username", string()), ("password", string())],
                &["username", "password"],
                false,
            ),
        ),
        (
            "PasswordChange",
            input(
                &[
                    ("current_password", string()),
                    ("new_password", json!({"type": "string", "minLength": 8})),
                ],
                &["current_password", "new_password"],
                false,
            ),
        ),
        (
            "Preferences",
            input(
                &[(
                    "viewer_keymap",
                    described(
                        json!({"type": ["object", "null"]}),
                        "the viewer's keymap as ReadroomViewer.keymap() gives it \
                         ({keys: {chord: command}, mouse}); null for the defaults",
                    ),
                )],
                &[],
                false,
            ),
        ),
        (
            "UserAccount",
            with(user_fields(), &[("disabled", boolean())]),
        ),
        (
            "NewAccount",
            input(
                &[
                    ("username", string()),
                    (
                        "display_name",
                        described(nullable(string()), "the username when left out"),
                    ),
                    ("password", json!({"type": "string", "minLength": 8})),
                    (
                        "roles",
                        json!({"type": "array", "items": schema_ref("Role"), "minItems": 1}),
                    ),
                ],
                &["username", "password", "roles"],
                false,
            ),
        ),
        (
            "RolesChange",
            input(
                &[(
                    "roles",
                    json!({"type": "array", "items": schema_ref("Role"), "minItems": 1}),
                )],
                &["roles"],
                false,
            ),
        ),
        (
            "DisabledChange",
            input(&[("disabled", boolean())], &["disabled"], false),
        ),
        (
            "AuditEntry",
            object(&[
                ("id", string()),
                ("at", millis()),
                (
                    "actor_id",
                    described(nullable(string()), "null for what nobody signed in did"),
                ),
                ("actor_username", nullable(string())),
                ("action", string()),
                ("subject", string()),
                (
                    "address",
                    described(string(), "the client's IP address, or `unknown`"),
                ),
            ]),
        ),
        (
            "ClinicalContext",
            object(&[
                ("age", nullable(ranged(0, 65535))),
                ("psa_ng_ml", nullable(number())),
                ("psa_density", nullable(number())),
                ("prostate_volume_ml", nullable(number())),
                ("indication", nullable(string())),
                ("prior_biopsy", nullable(string())),
            ]),
        ),
        ("SeriesKind", enumeration(&SERIES_KINDS)),
        (
            "PixelFormat",
            enumeration(&[PixelFormat::U16, PixelFormat::I16]),
        ),
        (
            "SeriesSummary",
            object(&[
                ("uid", string()),
                ("number", nullable(integer())),
                ("kind", schema_ref("SeriesKind")),
                ("description", string()),
            ]),
        ),
        ("CaseSummary", object(&case_summary_fields())),
        (
            "CaseDetail",
            with(
                case_summary_fields(),
                &[("series_detail", array(schema_ref("PreparedSeries")))],
            ),
        ),
        (
            "WindowPreset",
            object(&[
                ("name", string()),
                ("center", number()),
                ("width", number()),
            ]),
        ),
        (
            "PreparedFrame",
            object(&[
                ("slice", count()),
                ("phase", count()),
                (
                    "position_lps_mm",
                    described(lps(), "the first transmitted pixel"),
                ),
                ("rescale_slope", number()),
                ("rescale_intercept", number()),
                (
                    "offset",
                    described(count(), "byte offset of the frame in the stored voxels"),
                ),
                ("length", count()),
            ]),
        ),
        (
            "PreparedSeries",
            object(&[
                ("uid", string()),
                ("number", nullable(integer())),
                ("kind", schema_ref("SeriesKind")),
                ("modality", string()),
                ("description", string()),
                ("rows", count()),
                ("columns", count()),
                ("slices", count()),
                ("phases", count()),
                ("pixel_format", schema_ref("PixelFormat")),
                ("row_direction", lps()),
                ("column_direction", lps()),
                ("normal", lps()),
                (
                    "pixel_spacing_mm",
                    json!({
                        "type": "array",
                        "items": number(),
                        "minItems": 2,
                        "maxItems": 2,
                        "description": "between rows, then between columns",
                    }),
                ),
                ("slice_spacing_mm", number()),
                ("slice_thickness_mm", nullable(number())),
                (
                    "invert",
                    described(boolean(), "MONOCHROME1: low values are shown bright"),
                ),
                ("units", nullable(string())),
                ("diffusion_b_value", nullable(number())),
                (
                    "frame_of_reference_uid",
                    described(
                        nullable(string()),
                        "series sharing it are linked by patient position; null: the study's",
                    ),
                ),
                ("window_presets", array(schema_ref("WindowPreset"))),
                ("frames", array(schema_ref("PreparedFrame"))),
                (
                    "voxels_hash",
                    described(string(), "BLAKE3 of the stored voxels: their ETag"),
                ),
                ("voxels_bytes", count()),
            ]),
        ),
        (
            "Zone",
            enumeration(&[Zone::PZ, Zone::TZ, Zone::CZ, Zone::AS]),
        ),
        (
            "TruthLesion",
            object(&[
                ("isup_grade_group", ranged(1, 5)),
                ("sectors", array(schema_ref("Sector"))),
                ("centre_lps_mm", nullable(lps())),
                ("radius_mm", nullable(number())),
                ("zone", schema_ref("Zone")),
                (
                    "index",
                    described(boolean(), "the lesion that drives management"),
                ),
            ]),
        ),
        (
            "CaseTruth",
            object(&[
                ("case_id", string()),
                (
                    "significant_from_isup",
                    described(
                        ranged(1, 5),
                        "the ISUP grade group from which a lesion is clinically significant",
                    ),
                ),
                ("lesions", array(schema_ref("TruthLesion"))),
                ("teaching_notes", nullable(string())),
            ]),
        ),
        (
            "Dce",
            enumeration(&[Dce::Positive, Dce::Negative, Dce::NotAssessed]),
        ),
        (
            "MarkedPoint",
            object(&[
                ("lps_mm", lps()),
                ("series_uid", string()),
                ("slice", count()),
            ]),
        ),
        (
            "ReportedLesion",
            described(
                input(
                    &[
                        (
                            "sectors",
                            json!({
                                "type": "array",
                                "items": schema_ref("Sector"),
                                "uniqueItems": true,
                            }),
                        ),
                        ("point", nullable(schema_ref("MarkedPoint"))),
                        ("t2w_score", nullable(categories.clone())),
                        ("dwi_score", nullable(categories.clone())),
                        ("dce", nullable(schema_ref("Dce"))),
                        (
                            "size_mm",
                            nullable(json!({
                                "type": "number",
                                "exclusiveMinimum": 0,
                                "maximum": 100,
                            })),
                        ),
                        ("extraprostatic_extension", nullable(boolean())),
                        ("category", nullable(categories.clone())),
                    ],
                    &[],
                    true,
                ),
                "a draft may leave any field out; a submitted lesion needs every one but \
                 `point`, with at least one sector",
            ),
        ),
        (
            "Report",
            described(
                input(
                    &[
                        (
                            "lesions",
                            json!({
                                "type": "array",
                                "items": schema_ref("ReportedLesion"),
                                "maxItems": 4,
                            }),
                        ),
                        (
                            "overall_category",
                            described(
                                nullable(categories.clone()),
                                "1 or 2 when no lesion is reported; with lesions, the highest \
                                 lesion category or null",
                            ),
                        ),
                        ("comment", json!({"type": "string", "maxLength": 4000})),
                    ],
                    &[],
                    true,
                ),
                "a structured PI-RADS v2.1 report",
            ),
        ),
        (
            "ReportedOutcome",
            json!({"oneOf": [
                tagged("hit", &[
                    ("truth_index", count()),
                    ("distance_mm", described(nullable(number()), "null when matched by sectors")),
                ]),
                tagged("false_positive", &[
                    ("non_significant_truth_index", nullable(count())),
                ]),
                tagged("below_threshold", &[]),
            ]}),
        ),
        (
            "TruthOutcome",
            json!({"oneOf": [
                tagged("hit", &[("reported_index", count())]),
                tagged("missed", &[]),
                tagged("not_target", &[]),
            ]}),
        ),
        (
            "Score",
            object(&[
                ("case_positive", boolean()),
                ("correct", boolean()),
                ("overall_category", categories.clone()),
                ("reported", array(schema_ref("ReportedOutcome"))),
                ("truth", array(schema_ref("TruthOutcome"))),
                ("hits", count()),
                ("false_positives", count()),
                ("misses", count()),
                ("targets", count()),
                ("missed_sectors", array(schema_ref("Sector"))),
            ]),
        ),
        ("Attempt", object(&attempt_fields())),
        (
            "StartReading",
            input(&[("case_id", string())], &["case_id"], true),
        ),
        (
            "Reread",
            object(&[
                ("case_id", string()),
                ("case_title", string()),
                ("reread_number", count()),
                ("due_at", millis()),
                ("due", boolean()),
            ]),
        ),
        (
            "ReferenceRead",
            object(&[
                ("case_id", string()),
                ("expert_id", string()),
                ("expert_name", string()),
                ("report", schema_ref("Report")),
                ("overall_category", categories.clone()),
                ("submitted_at", millis()),
            ]),
        ),
        (
            "MessageKind",
            enumeration(&[
                MessageKind::Feedback,
                MessageKind::Question,
                MessageKind::Answer,
            ]),
        ),
        (
            "PinnedMark",
            input(
                &[
                    ("series_uid", string()),
                    ("slice", count()),
                    ("lps_mm", lps()),
                    ("label", json!({"type": "string", "maxLength": 200})),
                ],
                &["series_uid", "slice", "lps_mm"],
                true,
            ),
        ),
        (
            "Message",
            object(&[
                ("id", string()),
                ("attempt_id", string()),
                ("author_id", string()),
                ("author_name", string()),
                ("kind", schema_ref("MessageKind")),
                ("body", string()),
                ("marks", array(schema_ref("PinnedMark"))),
                ("created_at", millis()),
            ]),
        ),
        (
            "NewMessage",
            input(
                &[
                    ("kind", schema_ref("MessageKind")),
                    (
                        "body",
                        json!({"type": "string", "minLength": 1, "maxLength": 5000}),
                    ),
                    (
                        "marks",
                        json!({"type": "array", "items": schema_ref("PinnedMark"), "maxItems": 20}),
                    ),
                ],
                &["kind", "body"],
                true,
            ),
        ),
        (
            "Agreement",
            object(&[
                ("first_attempt_id", string()),
                ("first_overall_category", nullable(categories.clone())),
                ("first_correct", nullable(boolean())),
                ("same_overall_category", boolean()),
                ("same_correctness", boolean()),
            ]),
        ),
        (
            "AttemptResult",
            object(&[
                ("truth", schema_ref("CaseTruth")),
                ("reference_reads", array(schema_ref("ReferenceRead"))),
                ("messages", array(schema_ref("Message"))),
                (
                    "agreement_with_first_read",
                    described(
                        nullable(schema_ref("Agreement")),
                        "for a re-read: how it compares with the first read",
                    ),
                ),
            ]),
        ),
        (
            "AttemptDetail",
            with(
                attempt_fields(),
                &[
                    ("case", schema_ref("CaseSummary")),
                    (
                        "result",
                        described(
                            nullable(schema_ref("AttemptResult")),
                            "null until the attempt is submitted",
                        ),
                    ),
                ],
            ),
        ),
        (
            "Unread",
            object(&[
                ("total", count()),
                (
                    "attempts",
                    described(
                        json!({"type": "object", "additionalProperties": count()}),
                        "unread messages by attempt id",
                    ),
                ),
            ]),
        ),
        (
            "QueueItem",
            object(&[
                ("attempt_id", string()),
                ("trainee_id", string()),
                ("trainee_name", string()),
                ("case_id", string()),
                ("case_title", string()),
                ("reread_number", count()),
                ("submitted_at", millis()),
                ("disagrees_with_histology", boolean()),
                ("awaiting_feedback", boolean()),
                ("open_question", boolean()),
                (
                    "waiting_since",
                    described(
                        millis(),
                        "the submission, or the oldest unanswered question",
                    ),
                ),
            ]),
        ),
        (
            "CusumSettings",
            input(
                &[
                    ("p0", described(number(), "acceptable failure rate")),
                    (
                        "p1",
                        described(number(), "unacceptable failure rate, above p0"),
                    ),
                    ("alpha", described(number(), "type I error rate")),
                    ("beta", described(number(), "type II error rate")),
                ],
                &[],
                true,
            ),
        ),
        (
            "ProgrammeSettings",
            described(
                input(
                    &[
                        ("positive_from_category", categories.clone()),
                        (
                            "match_margin_mm",
                            json!({"type": "number", "minimum": 0, "maximum": 100}),
                        ),
                        (
                            "match_distance_without_radius_mm",
                            json!({"type": "number", "minimum": 0, "maximum": 100}),
                        ),
                        (
                            "reread_intervals_days",
                            json!({
                                "type": "array",
                                "items": ranged(1, 3650),
                                "maxItems": 10,
                                "description": "increasing",
                            }),
                        ),
                        ("cusum", schema_ref("CusumSettings")),
                    ],
                    &[],
                    true,
                ),
                "a setting left out takes its default",
            ),
        ),
        ("Programme", object(&programme_fields())),
        (
            "Member",
            object(&[
                ("user_id", string()),
                ("username", string()),
                ("display_name", string()),
                ("role", schema_ref("Role")),
            ]),
        ),
        (
            "Cohort",
            object(&[
                ("id", string()),
                ("programme_id", string()),
                ("name", string()),
                ("members", described(array(string()), "trainee user ids")),
            ]),
        ),
        (
            "CaseSet",
            object(&[
                ("id", string()),
                ("programme_id", string()),
                ("name", string()),
                ("case_ids", described(array(string()), "in reading order")),
            ]),
        ),
        ("Assignment", object(&assignment_fields())),
        (
            "AssignedCase",
            object(&[
                ("case_id", string()),
                ("title", string()),
                ("synthetic", boolean()),
                (
                    "attempt_id",
                    described(nullable(string()), "the trainee's first read, once started"),
                ),
                ("submitted", boolean()),
            ]),
        ),
        (
            "TraineeAssignment",
            with(
                assignment_fields(),
                &[
                    (
                        "status",
                        described(
                            json!({"type": "string", "enum": ["upcoming", "open", "overdue", "done"]}),
                            "upcoming (not open yet: no cases shown), open, overdue (past due \
                             with cases left, which can still be read) or done (every case \
                             submitted)",
                        ),
                    ),
                    ("cases", array(schema_ref("AssignedCase"))),
                ],
            ),
        ),
        (
            "ProgrammeDetail",
            with(
                programme_fields(),
                &[
                    ("settings_in_force", schema_ref("ProgrammeSettings")),
                    ("members", array(schema_ref("Member"))),
                    ("cohorts", array(schema_ref("Cohort"))),
                    ("case_sets", array(schema_ref("CaseSet"))),
                    ("assignments", array(schema_ref("Assignment"))),
                ],
            ),
        ),
        (
            "NewProgramme",
            input(
                &[
                    ("name", name()),
                    ("settings", schema_ref("ProgrammeSettings")),
                ],
                &["name"],
                true,
            ),
        ),
        (
            "NewMember",
            input(
                &[("user_id", string()), ("role", schema_ref("Role"))],
                &["user_id", "role"],
                true,
            ),
        ),
        ("NewCohort", input(&[("name", name())], &["name"], true)),
        (
            "NewCohortMember",
            input(&[("user_id", string())], &["user_id"], true),
        ),
        (
            "NewCaseSet",
            input(
                &[
                    ("name", name()),
                    (
                        "case_ids",
                        json!({"type": "array", "items": string(), "minItems": 1, "maxItems": 1000}),
                    ),
                ],
                &["name", "case_ids"],
                true,
            ),
        ),
        (
            "NewAssignment",
            input(
                &[
                    ("case_set_id", string()),
                    ("cohort_id", string()),
                    ("opens_at", millis()),
                    ("due_at", described(millis(), "after `opens_at`")),
                ],
                &["case_set_id", "cohort_id", "opens_at", "due_at"],
                true,
            ),
        ),
        (
            "Proportion",
            described(
                object(&[
                    ("successes", count()),
                    ("n", count()),
                    ("value", nullable(number())),
                    ("low", nullable(number())),
                    ("high", nullable(number())),
                ]),
                "a share with its 95% Wilson interval; value, low and high are null when n is 0",
            ),
        ),
        (
            "BinaryFigures",
            object(&[
                ("sensitivity", proportion.clone()),
                ("specificity", proportion.clone()),
                ("ppv", proportion.clone()),
                ("npv", proportion.clone()),
            ]),
        ),
        (
            "Rolling",
            described(
                object(&[
                    ("last_20", proportion.clone()),
                    ("last_50", proportion.clone()),
                ]),
                "accuracy over the last 20 and the last 50 scored first reads",
            ),
        ),
        (
            "TraineeRolling",
            object(&[
                ("trainee_id", string()),
                ("first_reads", count()),
                ("rolling", schema_ref("Rolling")),
            ]),
        ),
        (
            "StudyEntry",
            object(&[
                ("uid", described(string(), "the study's replacement UID")),
                (
                    "case_id",
                    described(nullable(string()), "null while the study has no truth"),
                ),
            ]),
        ),
        (
            "ImportStatus",
            described(
                json!({"type": "string", "enum": ["running", "finished", "failed"]}),
                "running until the import ends; then finished (with its counts) or failed \
                 (with its error)",
            ),
        ),
        (
            "ImportCounts",
            object(&[
                ("studies", count()),
                ("series", count()),
                ("images", count()),
                (
                    "cases",
                    described(count(), "studies that became cases (truth attached)"),
                ),
                (
                    "unchanged_studies",
                    described(count(), "studies stored already, which nothing changed"),
                ),
                ("bytes_read", described(count(), "bytes of DICOM read")),
            ]),
        ),
        (
            "ImportRun",
            object(&[
                ("id", string()),
                ("started_at", millis()),
                (
                    "finished_at",
                    described(nullable(millis()), "null while it runs"),
                ),
                ("status", schema_ref("ImportStatus")),
                (
                    "sources",
                    described(string(), "what was imported, in a line"),
                ),
                (
                    "counts",
                    described(
                        nullable(schema_ref("ImportCounts")),
                        "null unless the run finished",
                    ),
                ),
                (
                    "refused",
                    described(count(), "how many refusals the run recorded"),
                ),
                (
                    "error",
                    described(nullable(string()), "why a failed run failed"),
                ),
            ]),
        ),
        (
            "ImportRefusal",
            object(&[
                (
                    "path",
                    described(string(), "the file or truth manifest entry, as given"),
                ),
                ("reason", string()),
            ]),
        ),
        (
            "ImportRunDetail",
            object(&[
                ("run", schema_ref("ImportRun")),
                ("refusals", array(schema_ref("ImportRefusal"))),
                (
                    "offset",
                    described(count(), "the position of the first refusal given"),
                ),
            ]),
        ),
        (
            "RecordRead",
            object(&[
                ("attempt_id", string()),
                ("case_id", string()),
                ("case_title", string()),
                ("reread_number", count()),
                ("submitted_at", millis()),
                ("reading_ms", count()),
                ("overall_category", nullable(categories.clone())),
                ("correct", nullable(boolean())),
            ]),
        ),
        (
            "TrainingRecord",
            object(&[
                (
                    "trainee",
                    object(&[
                        ("id", string()),
                        ("username", string()),
                        ("display_name", string()),
                    ]),
                ),
                (
                    "as_of",
                    described(millis(), "reads submitted up to this moment count"),
                ),
                ("cases_read", count()),
                ("first_reads", count()),
                ("rereads", count()),
                ("accuracy", proportion.clone()),
                ("reread_accuracy", proportion.clone()),
                ("lesion_detection", proportion.clone()),
                ("false_positives", count()),
                ("time_spent_ms", count()),
                ("median_reading_ms", nullable(number())),
                ("reads", array(schema_ref("RecordRead"))),
                (
                    "verification_code",
                    described(
                        string(),
                        "RR1-<as_of in base 36>-<16 hex digits of the content's BLAKE3 digest>",
                    ),
                ),
            ]),
        ),
        (
            "RecordVerification",
            object(&[
                ("valid", boolean()),
                (
                    "record",
                    described(
                        schema_ref("TrainingRecord"),
                        "the record as held for the code's moment",
                    ),
                ),
            ]),
        ),
        (
            "CurvePoint",
            object(&[
                ("attempt_id", string()),
                ("case_id", string()),
                ("submitted_at", millis()),
                ("correct", boolean()),
                ("rolling", schema_ref("Rolling")),
            ]),
        ),
        (
            "CusumSignal",
            described(
                json!({"oneOf": [
                    tagged("none", &[]),
                    tagged("acceptable", &[("at", count())]),
                    tagged("unacceptable", &[("at", count())]),
                ]}),
                "the first limit reached, and at which read (0-based)",
            ),
        ),
        (
            "Cusum",
            object(&[
                ("s", number()),
                ("h0", number()),
                ("h1", number()),
                (
                    "values",
                    described(array(number()), "the sum after each read"),
                ),
                ("signal", schema_ref("CusumSignal")),
            ]),
        ),
        (
            "RereadAgreement",
            object(&[
                ("rereads", count()),
                ("same_overall_category", count()),
                ("same_correctness", count()),
                ("correct", count()),
            ]),
        ),
        (
            "TraineeAnalytics",
            object(&[
                ("trainee_id", string()),
                ("first_reads", count()),
                ("rolling", schema_ref("Rolling")),
                ("over_time", array(schema_ref("CurvePoint"))),
                ("at_category_3", schema_ref("BinaryFigures")),
                ("at_category_4", schema_ref("BinaryFigures")),
                (
                    "lesion_detection",
                    described(
                        proportion.clone(),
                        "hits among clinically significant lesions",
                    ),
                ),
                ("false_positives_per_case", nullable(number())),
                ("auroc", nullable(number())),
                ("kappa_with_experts", nullable(number())),
                ("kappa_pairs", count()),
                ("cusum", schema_ref("Cusum")),
                ("cusum_settings", schema_ref("CusumSettings")),
                (
                    "misses_by_sector",
                    json!({
                        "type": "object",
                        "propertyNames": schema_ref("Sector"),
                        "additionalProperties": count(),
                    }),
                ),
                ("median_reading_ms", nullable(number())),
                ("rereads", schema_ref("RereadAgreement")),
            ]),
        ),
        (
            "TraineeRow",
            object(&[
                ("trainee_id", string()),
                ("username", string()),
                ("display_name", string()),
                ("cases_read", count()),
                ("rolling", schema_ref("Rolling")),
                ("sensitivity", proportion.clone()),
                ("specificity", proportion.clone()),
                ("last_activity", nullable(millis())),
            ]),
        ),
        (
            "GroupFigures",
            object(&[
                ("trainees", count()),
                ("first_reads", count()),
                ("accuracy", proportion.clone()),
                ("at_category_3", schema_ref("BinaryFigures")),
                ("at_category_4", schema_ref("BinaryFigures")),
                ("auroc", nullable(number())),
                ("lesion_detection", proportion.clone()),
                ("false_positives_per_case", nullable(number())),
                ("mean_reading_ms", nullable(number())),
            ]),
        ),
        (
            "Turnaround",
            described(
                object(&[
                    ("n", described(count(), "attempts that have had feedback")),
                    ("median_ms", nullable(number())),
                    ("p90_ms", nullable(number())),
                ]),
                "time from submission to first feedback; the median and 90th percentile come \
                 from a histogram of log-spaced buckets, to within 4.5%",
            ),
        ),
        (
            "TrendPoint",
            described(
                object(&[
                    (
                        "start",
                        described(millis(), "the week's start, Monday 00:00 UTC"),
                    ),
                    (
                        "reads",
                        described(count(), "scored first reads submitted that week"),
                    ),
                    ("correct", described(count(), "of them, read correctly")),
                    (
                        "trainees",
                        described(count(), "trainees who submitted a first read that week"),
                    ),
                    ("accuracy", proportion.clone()),
                ]),
                "one week of a group's trend",
            ),
        ),
        (
            "Trend",
            described(
                array(schema_ref("TrendPoint")),
                "a group's accuracy week by week, oldest first; weeks without a read are left \
                 out",
            ),
        ),
        (
            "Dashboard",
            object(&[
                ("programme_id", string()),
                (
                    "cohort",
                    described(
                        nullable(json!({
                            "type": "array",
                            "prefixItems": [string(), string()],
                            "items": false,
                            "minItems": 2,
                        })),
                        "the cohort's id and name; null for a whole programme",
                    ),
                ),
                ("rows", array(schema_ref("TraineeRow"))),
                ("figures", schema_ref("GroupFigures")),
                (
                    "misses_by_sector",
                    described(
                        array(json!({
                            "type": "array",
                            "prefixItems": [schema_ref("Sector"), count()],
                            "items": false,
                            "minItems": 2,
                        })),
                        "where the group's misses cluster: [sector, misses], most missed first",
                    ),
                ),
                ("feedback_turnaround", schema_ref("Turnaround")),
            ]),
        ),
    ];
    schemas
        .into_iter()
        .map(|(name, schema)| (name.to_owned(), schema))
        .collect()
}

/// A name as the store takes it.
fn name() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 200})
}

const SERIES_KINDS: [SeriesKind; 5] = [
    SeriesKind::T2w,
    SeriesKind::Dwi,
    SeriesKind::Adc,
    SeriesKind::Dce,
    SeriesKind::Other,
];
