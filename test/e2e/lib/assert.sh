# shellcheck shell=bash
# Assertions over console logs. What runs in the guest prints raw facts as "@@E2E KEY ..." lines; the
# harness alone decides PASS or FAIL from them. Source it after common.sh.

RESULTS=()   # "PASS name" / "FAIL name  (detail)"
HICCUPS=()   # what boot_once_more_on_hiccup booted past, one line each
assert() { # NAME STATUS(0 = pass) [DETAIL]
  if [[ "$2" == 0 ]]; then RESULTS+=("PASS $1"); else RESULTS+=("FAIL $1${3:+  ($3)}"); fi
}
assert_equal() { # NAME EXPECTED ACTUAL: passes only on exactly EXPECTED; a failure shows what came instead
  local r=0
  [[ "$3" == "$2" ]] || r=1
  assert "$1" $r "${3:-<nothing>}"
}

# Xen writes its own messages to the same serial port as dom0's console, at any time: one that lands
# in the middle of a probe line ("(XEN) uart interrupt taking more than 4ms, switched to polling" in
# doctor's 9 KB JSON line, seen under TCG) is cut out and the line joined again.
probe_lines() { tr -d '\r' <"$1" | sed -z 's/\([^\n]\)(XEN) [^\n]*\n/\1/g' | sed -n 's/^.*@@E2E //p' || true; }
fact() { # LOG KEY -> the rest of the first line "KEY ..."
  probe_lines "$1" | awk -v k="$2" '$1 == k { sub("^[^ ]+ ?", ""); print; exit }'
}
has_line() { probe_lines "$1" | grep -E "$2" >/dev/null; }
# json_eval EXPR: stdin is one JSON document (a fact line: the image has no node, so the guest prints
# xensetup's --json output as one line and the harness reads it); prints the JavaScript expression EXPR
# over it (`doc`), or "unreadable: ..." when it is no JSON or EXPR throws.
json_eval() {
  node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try {
        const doc = JSON.parse(s)
        console.log(new Function("doc", `return (${process.argv[1]})`)(doc))
      } catch (e) { console.log(`unreadable: ${e.message}`) }
    })' "$1" 2>&1
}

# e2e_results TITLE: every assertion, then "N passed, N failed" (what CI adds up); fails if one failed.
e2e_results() {
  local r pass=0 fail=0
  # TCG hiccups the harness booted past (dom0-checks.sh): not failures, but shown with the results.
  for r in "${HICCUPS[@]}"; do echo "tolerated TCG hiccup: $r"; done
  echo "--- assertions ($1)"
  for r in "${RESULTS[@]}"; do
    echo "$r"
    if [[ "$r" == PASS* ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
  done
  echo "$pass passed, $fail failed"
  ((fail == 0))
}
