# Shared by the benchmark scripts (sourced, not run).

# measure CMD...: runs CMD with its output discarded and prints its wall time and peak resident
# memory as "wall_s=<seconds> peak_mb=<MB>" (from /usr/bin/time). Its status is CMD's.
measure() { /usr/bin/time -f "wall_s=%e peak_mb=%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{split($2,a,"="); printf "%s peak_mb=%.0f\n", $1, a[2]/1024}'; }
