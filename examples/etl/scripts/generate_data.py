#!/usr/bin/env python3
"""Regenerates the synthetic datasets in data/ (deterministic: fixed seed).

The numbers are made up; only their shape resembles the public Covid-19 datasets that
the original pipeline crawled (case counts, country codes, ICU capacity, population).
Usage: python3 scripts/generate_data.py [OUTPUT_DIR]   (default: data/ next to scripts/)
"""
import csv
import os
import random
import sys

# (ISO 3166 alpha-3, ISO alpha-2, name, region, population in 2020, rounded)
COUNTRIES = [
    ("ARG", "AR", "Argentina", "Americas", 45376763),
    ("AUS", "AU", "Australia", "Oceania", 25687041),
    ("AUT", "AT", "Austria", "Europe", 8917205),
    ("BEL", "BE", "Belgium", "Europe", 11544241),
    ("BRA", "BR", "Brazil", "Americas", 212559409),
    ("CAN", "CA", "Canada", "Americas", 38005238),
    ("CHE", "CH", "Switzerland", "Europe", 8636561),
    ("CHL", "CL", "Chile", "Americas", 19116209),
    ("DEU", "DE", "Germany", "Europe", 83160871),
    ("DNK", "DK", "Denmark", "Europe", 5831404),
    ("ESP", "ES", "Spain", "Europe", 47351567),
    ("FRA", "FR", "France", "Europe", 67391582),
    ("GBR", "GB", "United Kingdom", "Europe", 67081000),
    ("IND", "IN", "India", "Asia", 1380004385),
    ("ITA", "IT", "Italy", "Europe", 59641488),
    ("JPN", "JP", "Japan", "Asia", 125836021),
    ("KOR", "KR", "South Korea", "Asia", 51780579),
    ("MEX", "MX", "Mexico", "Americas", 128932753),
    ("NLD", "NL", "Netherlands", "Europe", 17441139),
    ("NZL", "NZ", "New Zealand", "Oceania", 5084300),
    ("PRT", "PT", "Portugal", "Europe", 10305564),
    ("SWE", "SE", "Sweden", "Europe", 10353442),
    ("USA", "US", "United States", "Americas", 329484123),
    ("ZAF", "ZA", "South Africa", "Africa", 59308690),
]
REPORT_DATES = ["2020-04-01", "2020-05-01"]
NO_ICU_DATA = {"IND", "ZAF"}  # left out on purpose: the join keeps them with empty ICU columns


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data")
    rng = random.Random(20200401)
    write(os.path.join(out, "country_codes.csv"), ["iso3", "iso2", "country_name", "region"],
          [(c[0], c[1], c[2], c[3]) for c in COUNTRIES])
    write(os.path.join(out, "population.csv"), ["iso3", "year", "population"],
          [(c[0], 2020, c[4]) for c in COUNTRIES])
    write(os.path.join(out, "icu_capacity.csv"), ["iso3", "icu_beds", "icu_beds_per_100k"],
          [(c[0], beds, round(beds * 100000 / c[4], 2))
           for c in COUNTRIES if c[0] not in NO_ICU_DATA
           for beds in [int(c[4] / 100000 * rng.uniform(2.5, 29.0))]])
    cases = []
    for date in REPORT_DATES:
        for c in COUNTRIES:
            new_cases = int(c[4] * rng.uniform(0.00002, 0.004))
            new_deaths = int(new_cases * rng.uniform(0.005, 0.09))
            cases.append((date, c[0], new_cases, new_deaths))
    write(os.path.join(out, "case_counts.csv"), ["report_date", "iso3", "new_cases", "new_deaths"], cases)


if __name__ == "__main__":
    main()
