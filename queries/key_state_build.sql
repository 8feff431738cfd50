-- name: key_state_build
-- description: The latest complete build of compliance_key_state for one UTC day, if any: one row (built_at, build_rows), or none.
--
-- A build is complete when the partition holds as many rows of its built_at as it says it wrote
-- (build_rows): Athena's INSERT INTO can fail after writing part of a build. The Athena engine
-- runs this before building day D + 1 to decide whether it can start from the state of D (one day
-- of events) or must read the whole history once. It reads one partition of a small table.
--
-- @param day date  UTC day, YYYY-MM-DD
--
-- @column built_at timestamp  when that build ran (UTC)
-- @column build_rows bigint  rows it wrote

with

builds as (
    select
        built_at,
        max(build_rows) as build_rows,
        count(*) as stored_rows
    from compliance_key_state
    where
        dt = ?
    group by built_at
)

select
    built_at,
    cast(build_rows as bigint) as build_rows
from builds
where
    stored_rows = build_rows
order by built_at desc
limit 1
