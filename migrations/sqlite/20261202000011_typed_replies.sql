-- Typed replies (see ARCHITECTURE.md, "Understanding typed replies").

-- Vectors of authored phrasings, by the model that made them and the
-- SHA-256 of the text: each phrasing is embedded once per model.
CREATE TABLE reply_vectors (
    model       TEXT   NOT NULL,
    text_hash   TEXT   NOT NULL,
    vector      BLOB   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (model, text_hash)
);

-- Every typed reply a learner sent, understood or not, for the trainers'
-- "what learners chose" (shown as text only, never with a name) and to
-- show a learner the reply they are asked to rephrase. A step that was
-- understood is also in attempt_steps; an unsure one is only here.
CREATE TABLE typed_tries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    attempt_id  BIGINT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    step        BIGINT NOT NULL,
    course_id   TEXT   NOT NULL,
    item_id     TEXT   NOT NULL,
    scene       TEXT   NOT NULL,
    said        TEXT   NOT NULL,
    -- understood | unsure
    verdict     TEXT   NOT NULL,
    choice      BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX typed_tries_attempt ON typed_tries (attempt_id, step);
CREATE INDEX typed_tries_item ON typed_tries (course_id, item_id, scene);
