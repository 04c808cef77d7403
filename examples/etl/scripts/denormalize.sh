#!/usr/bin/env bash
# Joins the four crawled datasets into one denormalized table with the sqlite3 CLI.
# Usage: denormalize.sh LANDING_DIR OUTPUT_DIR
# Writes OUTPUT_DIR/covid.db (typed source tables + table covid_denormalized) and
# OUTPUT_DIR/covid_denormalized.csv; prints the row counts as KEY=VALUE lines (the workflow
# appends them to $GITHUB_OUTPUT). Countries without ICU data are kept (LEFT JOIN, empty
# ICU columns); case rows of a country missing from the dimension tables would be dropped,
# so that count is reported too.
set -euo pipefail
landing=${1:?landing directory}
out=${2:?output directory}
mkdir -p "$out"
db=$out/covid.db
rm -f "$db" "$out/covid_denormalized.csv"

sqlite3 -bail "$db" <<SQL
CREATE TABLE case_counts   (report_date TEXT NOT NULL, iso3 TEXT NOT NULL, new_cases INTEGER NOT NULL,
                            new_deaths INTEGER NOT NULL, PRIMARY KEY (report_date, iso3));
CREATE TABLE country_codes (iso3 TEXT PRIMARY KEY, iso2 TEXT NOT NULL, country_name TEXT NOT NULL,
                            region TEXT NOT NULL);
CREATE TABLE icu_capacity  (iso3 TEXT PRIMARY KEY, icu_beds INTEGER NOT NULL, icu_beds_per_100k REAL NOT NULL);
CREATE TABLE population    (iso3 TEXT NOT NULL, year INTEGER NOT NULL, population INTEGER NOT NULL,
                            PRIMARY KEY (iso3, year));
.import --csv --skip 1 '$landing/case_counts.csv' case_counts
.import --csv --skip 1 '$landing/country_codes.csv' country_codes
.import --csv --skip 1 '$landing/icu_capacity.csv' icu_capacity
.import --csv --skip 1 '$landing/population.csv' population

CREATE TABLE covid_denormalized AS
SELECT c.report_date, c.iso3, k.iso2, k.country_name, k.region, p.population,
       c.new_cases, c.new_deaths,
       round(c.new_cases * 100000.0 / p.population, 2) AS new_cases_per_100k,
       round(c.new_deaths * 100.0 / nullif(c.new_cases, 0), 2) AS case_fatality_pct,
       i.icu_beds, i.icu_beds_per_100k
FROM case_counts c
JOIN country_codes k ON k.iso3 = c.iso3
JOIN population p ON p.iso3 = c.iso3
  AND p.year = (SELECT max(year) FROM population WHERE iso3 = c.iso3)
LEFT JOIN icu_capacity i ON i.iso3 = c.iso3
ORDER BY c.report_date, c.iso3;

.headers on
.mode csv
.output '$out/covid_denormalized.csv'
SELECT * FROM covid_denormalized;
SQL

sqlite3 "$db" <<'SQL'
SELECT 'rows=' || (SELECT count(*) FROM covid_denormalized);
SELECT 'countries=' || (SELECT count(DISTINCT iso3) FROM covid_denormalized);
SELECT 'missing_icu=' || (SELECT count(*) FROM covid_denormalized WHERE icu_beds IS NULL);
SELECT 'dropped=' || ((SELECT count(*) FROM case_counts) - (SELECT count(*) FROM covid_denormalized));
SELECT 'total_new_cases=' || (SELECT sum(new_cases) FROM covid_denormalized);
SQL
