"""The stats rollups on PostgreSQL: the same tables and figures as SQLite's triggers.

``storage/stats.py`` explains the design (why daily rollups, the ``host_last``
histogram for distinct hosts, endings per occurrence). This is the same design in
PL/pgSQL, statement for statement, so both backends give the same figures; the
property test checks each against :func:`storage.stats.recount`.

Differences that keep the figures equal:

* ``day`` stays ``'YYYY-MM-DD'`` text (``''`` when unknown), computed as the UTC day of
  a ``timestamptz``, so :func:`storage.stats.query` reads both backends with one SQL.
* Text columns of the rollups use ``COLLATE "C"``: byte order, as SQLite sorts, and
  ``lower(... COLLATE "C")`` folds ASCII letters only, as SQLite's ``lower()`` does.
* JSON is ``jsonb``, so the ``json_valid`` guards become ``jsonb_typeof`` checks.
* The view with ``INSTEAD OF`` triggers becomes two functions, ``rollup_meeting`` and
  ``rollup_event``, called by the triggers on ``meetings`` and ``events`` and by
  ``rollup_rebuild()``; the triggers on ``host_days``, ``hosts`` and ``endings`` are
  the same triggers.

Frozen: applied by migration ``m002_stats_rollups``. Change = a new migration.
"""

from __future__ import annotations

ROLLUPS_V1 = r"""
CREATE TABLE daily_counts (
    metric text COLLATE "C" NOT NULL, day text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL, n integer NOT NULL,
    PRIMARY KEY (metric, day, key)
);
CREATE TABLE host_days (
    host text COLLATE "C" NOT NULL, day text COLLATE "C" NOT NULL, n integer NOT NULL,
    PRIMARY KEY (host, day)
);
CREATE INDEX host_days_by_day ON host_days (day, host);
CREATE TABLE hosts (host text COLLATE "C" PRIMARY KEY, last_day text COLLATE "C" NOT NULL);
CREATE TABLE endings (
    meeting_id bigint NOT NULL, day text COLLATE "C" NOT NULL, for_all boolean NOT NULL,
    PRIMARY KEY (meeting_id, day)
);

CREATE FUNCTION rollup_add(p_metric text, p_day text, p_key text, p_n integer)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO daily_counts (metric, day, key, n) VALUES (p_metric, p_day, p_key, p_n)
        ON CONFLICT (metric, day, key) DO UPDATE SET n = daily_counts.n + excluded.n
$$;

CREATE FUNCTION rollup_utc_day(p_at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '')
$$;

-- One meeting row's contribution (sign +1 or -1).
CREATE FUNCTION rollup_meeting(p_day text, p_host text, p_platform text,
                               p_compliant boolean, p_failed jsonb, p_sign integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_add('meetings', p_day, '', p_sign);
    IF p_compliant THEN
        PERFORM rollup_add('meetings_compliant', p_day, '', p_sign);
    END IF;
    PERFORM rollup_add('meetings_platform', p_day, p_platform, p_sign);
    IF p_host <> '' THEN
        INSERT INTO host_days (host, day, n) VALUES (p_host, p_day, p_sign)
            ON CONFLICT (host, day) DO UPDATE SET n = host_days.n + excluded.n;
        DELETE FROM host_days WHERE host = p_host AND day = p_day AND n <= 0;
    END IF;
    IF jsonb_typeof(p_failed) = 'array' THEN
        INSERT INTO daily_counts (metric, day, key, n)
            SELECT DISTINCT 'meetings_failed_rule', p_day, value #>> '{}', p_sign
            FROM jsonb_array_elements(p_failed) WHERE jsonb_typeof(value) = 'string'
            ON CONFLICT (metric, day, key) DO UPDATE SET n = daily_counts.n + excluded.n;
    END IF;
END $$;

CREATE FUNCTION rollup_meetings_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM rollup_meeting(rollup_utc_day(OLD.created_at),
            lower(coalesce(OLD.host_email, '') COLLATE "C"), coalesce(OLD.platform, ''),
            coalesce(OLD.compliant, false), OLD.failed_rules, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM rollup_meeting(rollup_utc_day(NEW.created_at),
            lower(coalesce(NEW.host_email, '') COLLATE "C"), coalesce(NEW.platform, ''),
            coalesce(NEW.compliant, false), NEW.failed_rules, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_meetings_insert AFTER INSERT ON meetings
    FOR EACH ROW EXECUTE FUNCTION rollup_meetings_row();
CREATE TRIGGER rollup_meetings_delete AFTER DELETE ON meetings
    FOR EACH ROW EXECUTE FUNCTION rollup_meetings_row();
CREATE TRIGGER rollup_meetings_update
    AFTER UPDATE OF created_at, host_email, platform, compliant, failed_rules ON meetings
    FOR EACH ROW EXECUTE FUNCTION rollup_meetings_row();

-- Distinct hosts: each host's latest day, and a per-day histogram of it.
CREATE FUNCTION rollup_host_day_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hosts (host, last_day) VALUES (NEW.host, NEW.day)
        ON CONFLICT (host) DO UPDATE SET last_day = excluded.last_day
        WHERE excluded.last_day > hosts.last_day;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_host_day_new AFTER INSERT ON host_days
    FOR EACH ROW EXECUTE FUNCTION rollup_host_day_new();
CREATE FUNCTION rollup_host_day_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM hosts
        WHERE host = OLD.host AND NOT EXISTS (SELECT 1 FROM host_days WHERE host = OLD.host);
    UPDATE hosts SET last_day = (SELECT max(day) FROM host_days WHERE host = OLD.host)
        WHERE host = OLD.host AND last_day = OLD.day;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_host_day_gone AFTER DELETE ON host_days
    FOR EACH ROW EXECUTE FUNCTION rollup_host_day_gone();
CREATE FUNCTION rollup_host_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM rollup_add('host_last', OLD.last_day, '', -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM rollup_add('host_last', NEW.last_day, '', 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_host_new AFTER INSERT ON hosts
    FOR EACH ROW EXECUTE FUNCTION rollup_host_row();
CREATE TRIGGER rollup_host_moved AFTER UPDATE OF last_day ON hosts
    FOR EACH ROW EXECUTE FUNCTION rollup_host_row();
CREATE TRIGGER rollup_host_gone AFTER DELETE ON hosts
    FOR EACH ROW EXECUTE FUNCTION rollup_host_row();

-- One event's contribution (events are append-only history).
CREATE FUNCTION rollup_event(p_day text, p_kind text, p_outcome text, p_meeting_id bigint,
                             p_data jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    phrase text;
BEGIN
    PERFORM rollup_add('events', p_day, p_kind, 1);
    IF p_kind = 'audit' AND p_outcome = 'compliant' THEN
        PERFORM rollup_add('audit_compliant', p_day, '', 1);
    END IF;
    IF p_kind = 'audit' AND jsonb_typeof(p_data -> 'failed') = 'array' THEN
        INSERT INTO daily_counts (metric, day, key, n)
            SELECT DISTINCT 'audit_failed_rule', p_day, value #>> '{}', 1
            FROM jsonb_array_elements(p_data -> 'failed') WHERE jsonb_typeof(value) = 'string'
            ON CONFLICT (metric, day, key) DO UPDATE SET n = daily_counts.n + excluded.n;
    END IF;
    IF p_kind = 'fix' AND p_outcome IN ('fixed', 'ok') THEN
        PERFORM rollup_add('fix_rule', p_day, CASE jsonb_typeof(p_data -> 'rule')
            WHEN 'string' THEN p_data ->> 'rule' ELSE '' END, 1);
    END IF;
    -- A day ranks at most 100 distinct phrases (the first seen); later new ones that
    -- day, and empty ones, count under key '' (in the total, never in the top list).
    IF p_kind = 'parse_failure' THEN
        phrase := substr(lower(btrim(CASE jsonb_typeof(p_data -> 'phrase')
            WHEN 'string' THEN p_data ->> 'phrase' ELSE '' END, ' ') COLLATE "C"), 1, 120);
        IF phrase <> '' AND NOT EXISTS (SELECT 1 FROM daily_counts
                WHERE metric = 'parse_phrase' AND day = p_day AND key = phrase)
            AND (SELECT count(*) FROM daily_counts WHERE metric = 'parse_phrase'
                 AND day = p_day AND key <> '') >= 100 THEN
            phrase := '';
        END IF;
        PERFORM rollup_add('parse_phrase', p_day, phrase, 1);
    END IF;
    IF p_kind = 'refusal' THEN
        PERFORM rollup_add('refusal_command', p_day, CASE jsonb_typeof(p_data -> 'command')
            WHEN 'string' THEN p_data ->> 'command' ELSE '' END, 1);
    END IF;
    IF p_meeting_id IS NOT NULL
            AND ((p_kind = 'end' AND p_outcome = 'ended') OR p_kind = 'meeting_ended') THEN
        INSERT INTO endings (meeting_id, day, for_all)
            VALUES (p_meeting_id, p_day, p_kind = 'end'
                    OR coalesce(p_data -> 'ended_for_all' = 'true'::jsonb, false))
            ON CONFLICT (meeting_id, day) DO UPDATE SET for_all = true
            WHERE excluded.for_all AND NOT endings.for_all;
    END IF;
END $$;

CREATE FUNCTION rollup_events_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_event(rollup_utc_day(NEW.at), coalesce(NEW.kind, ''),
                         coalesce(NEW.outcome, ''), NEW.meeting_id, NEW.data);
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_events_insert AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION rollup_events_row();

CREATE FUNCTION rollup_ending_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM rollup_add(CASE WHEN NEW.for_all THEN 'ended_for_all' ELSE 'left_running' END,
                           NEW.day, '', 1);
    ELSE
        PERFORM rollup_add('left_running', NEW.day, '', -1);
        PERFORM rollup_add('ended_for_all', NEW.day, '', 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_ending_new AFTER INSERT ON endings
    FOR EACH ROW EXECUTE FUNCTION rollup_ending_row();
CREATE TRIGGER rollup_ending_for_all AFTER UPDATE OF for_all ON endings
    FOR EACH ROW WHEN (NOT OLD.for_all AND NEW.for_all)
    EXECUTE FUNCTION rollup_ending_row();

-- Recount every rollup from meetings and events: meetings in any order, events in
-- insertion order, as they happened (the first 100 phrases of a day are ranked).
CREATE FUNCTION rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    TRUNCATE host_days, hosts, endings, daily_counts;
    FOR r IN SELECT * FROM meetings LOOP
        PERFORM rollup_meeting(rollup_utc_day(r.created_at),
            lower(coalesce(r.host_email, '') COLLATE "C"), coalesce(r.platform, ''),
            coalesce(r.compliant, false), r.failed_rules, 1);
    END LOOP;
    FOR r IN SELECT * FROM events ORDER BY id LOOP
        PERFORM rollup_event(rollup_utc_day(r.at), coalesce(r.kind, ''),
                             coalesce(r.outcome, ''), r.meeting_id, r.data);
    END LOOP;
END $$;
"""

# Frozen: applied by migration m008_sharing. Leaks caught, by channel type (an event of
# kind 'leak' whose data.channel_type is the key): SQLite's rollup_event_leak trigger.
# rollup_rebuild() is replaced to count them too when it recounts everything.
ROLLUPS_V2 = r"""
CREATE FUNCTION rollup_event_leak(p_day text, p_data jsonb) RETURNS void LANGUAGE sql AS $$
    SELECT rollup_add('leak_channel', p_day, CASE jsonb_typeof(p_data -> 'channel_type')
        WHEN 'string' THEN p_data ->> 'channel_type' ELSE '' END, 1)
$$;
CREATE FUNCTION rollup_leak_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_event_leak(rollup_utc_day(NEW.at), NEW.data);
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_event_leak AFTER INSERT ON events
    FOR EACH ROW WHEN (NEW.kind = 'leak') EXECUTE FUNCTION rollup_leak_row();

CREATE OR REPLACE FUNCTION rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    TRUNCATE host_days, hosts, endings, daily_counts;
    FOR r IN SELECT * FROM meetings LOOP
        PERFORM rollup_meeting(rollup_utc_day(r.created_at),
            lower(coalesce(r.host_email, '') COLLATE "C"), coalesce(r.platform, ''),
            coalesce(r.compliant, false), r.failed_rules, 1);
    END LOOP;
    FOR r IN SELECT * FROM events ORDER BY id LOOP
        PERFORM rollup_event(rollup_utc_day(r.at), coalesce(r.kind, ''),
                             coalesce(r.outcome, ''), r.meeting_id, r.data);
        IF r.kind = 'leak' THEN
            PERFORM rollup_event_leak(rollup_utc_day(r.at), r.data);
        END IF;
    END LOOP;
END $$;
SELECT rollup_event_leak(rollup_utc_day(at), data) FROM events WHERE kind = 'leak';
"""
ROLLUP_TRIGGERS_V2 = ("rollup_event_leak",)

ROLLUP_TRIGGERS = (
    "rollup_meetings_insert", "rollup_meetings_delete", "rollup_meetings_update",
    "rollup_host_day_new", "rollup_host_day_gone", "rollup_host_new", "rollup_host_moved",
    "rollup_host_gone", "rollup_events_insert", "rollup_ending_new", "rollup_ending_for_all",
)
