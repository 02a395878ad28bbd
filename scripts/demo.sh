#!/usr/bin/env bash
# The demo: start the services, build, bring up a simulated OpenStack lab, load the reference
# data and the lab's environment into MongoDB, scan it, and print a summary.
# Usage: scripts/demo.sh [calipso-lab up flags, e.g. --hosts 5 --instances 10 --mechanism-driver ovs]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
cargo build --bins
bin=target/debug
lab_dir=.lab

"$bin/calipso-lab" down --dir "$lab_dir" >/dev/null 2>&1 || true
"$bin/calipso-lab" up --daemon --wait-lock --dir "$lab_dir" --mongo-db calipso_demo "$@" >/dev/null
trap '"$bin/calipso-lab" down --dir "$lab_dir" >/dev/null 2>&1 || true' EXIT

"$bin/calipso" db init -m "$lab_dir/mongo.conf"
"$bin/calipso" env import --replace -m "$lab_dir/mongo.conf" "$lab_dir/environment.json"
env_name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$lab_dir/environment.json")
"$bin/calipso" scan -m "$lab_dir/mongo.conf" -e "$env_name" --clear -l WARNING
