#!/usr/bin/env python3
"""Checks that a crawled CSV dataset has the expected schema.

Usage: validate_schema.py DATASET FILE
Checks the header (exact column names and order), the type of every value, required values,
and that the key columns are unique. Prints one line per problem as FILE:LINE: message and
exits 1 if there is any; otherwise prints the row count and, when $GITHUB_OUTPUT is set,
writes `rows=<count>` to it. Python 3 standard library only.
"""
import csv
import datetime
import os
import re
import sys

# dataset -> (columns as (name, type), key columns)
SCHEMAS = {
    "case_counts": ([("report_date", "date"), ("iso3", "iso3"), ("new_cases", "count"),
                     ("new_deaths", "count")], ("report_date", "iso3")),
    "country_codes": ([("iso3", "iso3"), ("iso2", "iso2"), ("country_name", "text"),
                       ("region", "text")], ("iso3",)),
    "icu_capacity": ([("iso3", "iso3"), ("icu_beds", "count"), ("icu_beds_per_100k", "rate")],
                     ("iso3",)),
    "population": ([("iso3", "iso3"), ("year", "year"), ("population", "count")], ("iso3", "year")),
}
MAX_ERRORS = 20


def check_value(kind, value):
    """Returns an error message, or None when value is a valid `kind`."""
    if value == "":
        return "empty value"
    if kind == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return f"'{value}' is not a date (YYYY-MM-DD)"
    elif kind == "iso3" and not re.fullmatch(r"[A-Z]{3}", value):
        return f"'{value}' is not an ISO 3166 alpha-3 code"
    elif kind == "iso2" and not re.fullmatch(r"[A-Z]{2}", value):
        return f"'{value}' is not an ISO 3166 alpha-2 code"
    elif kind == "count" and not re.fullmatch(r"[0-9]+", value):
        return f"'{value}' is not a non-negative integer"
    elif kind == "year" and not (re.fullmatch(r"[0-9]{4}", value) and 1900 <= int(value) <= 2100):
        return f"'{value}' is not a year"
    elif kind == "rate":
        try:
            if float(value) < 0:
                return f"'{value}' is negative"
        except ValueError:
            return f"'{value}' is not a number"
    return None


def validate(dataset, path):
    columns, key = SCHEMAS[dataset]
    names = [c[0] for c in columns]
    errors, rows, seen = [], 0, {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != names:
            return [f"{path}:1: header is {header}, expected {names}"], 0
        key_idx = [names.index(k) for k in key]
        for row in reader:
            line = reader.line_num
            rows += 1
            if len(row) != len(columns):
                errors.append(f"{path}:{line}: {len(row)} values, expected {len(columns)}")
                continue
            for (name, kind), value in zip(columns, row):
                problem = check_value(kind, value)
                if problem:
                    errors.append(f"{path}:{line}: column {name}: {problem}")
            k = tuple(row[i] for i in key_idx)
            if k in seen:
                errors.append(f"{path}:{line}: duplicate key {k} (first on line {seen[k]})")
            seen.setdefault(k, line)
            if len(errors) >= MAX_ERRORS:
                errors.append(f"{path}: stopping after {MAX_ERRORS} errors")
                break
    if rows == 0 and not errors:
        errors.append(f"{path}: no data rows")
    return errors, rows


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SCHEMAS:
        print(f"usage: {sys.argv[0]} {{{'|'.join(SCHEMAS)}}} FILE", file=sys.stderr)
        return 2
    dataset, path = sys.argv[1], sys.argv[2]
    errors, rows = validate(dataset, path)
    for e in errors:
        print(f"::error::{e}" if os.environ.get("GITHUB_ACTIONS") else e)
    if errors:
        print(f"{dataset}: schema check failed ({len(errors)} problems)")
        return 1
    print(f"{dataset}: {rows} rows, schema ok")
    out = os.environ.get("GITHUB_OUTPUT")
    if out:
        with open(out, "a") as f:
            f.write(f"rows={rows}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
