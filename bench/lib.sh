# Shared by the bench scripts (sourced, not run). Expects: root, out, dir, count, seed,
# now, days and a die() function; sets aidf and gen (absolute paths).

# Build aidf and aidf-gen-reports (Release, build-bench/) unless AIDF_BIN / AIDF_GEN_BIN
# point at existing binaries.
bench_build_tools() {
    aidf=${AIDF_BIN:-}
    gen=${AIDF_GEN_BIN:-}
    local targets=()
    [ -n "$aidf" ] || targets+=(aidf)
    [ -n "$gen" ] || targets+=(aidf-gen-reports)
    if [ ${#targets[@]} -gt 0 ]; then
        echo "== building ${targets[*]} (Release, build-bench/)" >&2
        cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DAIDF_TESTS=OFF >/dev/null
        cmake --build "$root/build-bench" -j2 --target "${targets[@]}" >/dev/null
        [ -n "$aidf" ] || aidf=$root/build-bench/aidf
        [ -n "$gen" ] || gen=$root/build-bench/aidf-gen-reports
    fi
    [ -x "$aidf" ] || die "no aidf binary at '$aidf'"
    [ -x "$gen" ] || die "no aidf-gen-reports binary at '$gen'"
    aidf=$(cd "$(dirname "$aidf")" && pwd)/$(basename "$aidf")
}

# Generate $count reports into $dir, or reuse them when the same parameters and the same
# generator made them (bench/out/reports.stamp), so either script reuses the other's set.
bench_dataset() {
    local stamp have=0
    stamp="count=$count seed=$seed now=$now days=$days gen=$(cksum <"$root/tests/tools/gen_reports.c" | cut -d' ' -f1)"
    if [ -f "$out/reports.stamp" ] && [ "$(cat "$out/reports.stamp")" = "$stamp" ] && [ -d "$dir" ]; then
        have=$(find "$dir" -name 'run-*.json' -type f | wc -l)
    fi
    if [ "$have" -ne "$count" ]; then
        echo "== generating $count reports into $dir" >&2
        rm -rf "$dir" "$out/reports.stamp"
        "$gen" --dir "$dir" --count "$count" --seed "$seed" --now "$now" --days "$days"
        echo "$stamp" >"$out/reports.stamp"
    else
        echo "== reusing $count reports in $dir" >&2
    fi
}
