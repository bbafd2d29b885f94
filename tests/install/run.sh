#!/usr/bin/env bash
# Installs the build tree into a scratch prefix outside the build tree, moves it (the tree must be
# relocatable), then uses it exactly as docs/getting-started.md shows, with no hand-added rpath or
# library path: the installed metasim, metasim bench, the Python helper and `import metasim`, and a small external
# program built through find_package(metasim) and through pkg-config.
set -euo pipefail
build=$1
python=${2:-python3} # the Python with numpy and h5py (Debian's)
src=$(cd "$(dirname "$0")/consumer" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/metasim-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH PYTHONPATH METASIM_BENCH_DIR
cmake --install "$build" --prefix "$work/staged" > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
mv "$work/staged" "$work/prefix"
prefix=$work/prefix
mpiexec=(mpiexec --oversubscribe)

# The installed programs find their library through their own RUNPATH.
"${mpiexec[@]}" -n 2 "$prefix/bin/metasim" demo --force --tiles 4 > "$work/demo.out"
grep -q "Taylor" "$work/demo.out" || { cat "$work/demo.out"; echo "installed metasim demo printed no Taylor check" >&2; exit 1; }
"$prefix/bin/metasim" bench --help > "$work/bench.out"
grep -q "benchmarks in .*: .*meta" "$work/bench.out" || { cat "$work/bench.out"; echo "installed metasim bench finds no benchmark" >&2; exit 1; }
"${mpiexec[@]}" -n 1 "$prefix/bin/metasim_invert" -help > /dev/null
PYTHONPATH=$(dirname "$(find "$prefix" -name msformat.py)") "$python" -c "import msformat"
PYTHONPATH=$(dirname "$(find "$prefix" -name msformat.py)") "${mpiexec[@]}" -n 2 "$python" -c \
  "import metasim, numpy as np; s = metasim.MetaSimulation([metasim.LinearSimulation(np.eye(2))] * 3, [metasim.IdentityMap(2)] * 3); assert s.dpred(np.ones(2)).tolist() == [1.0] * 6"

# A consumer through CMake: find_package with CMAKE_PREFIX_PATH, as the docs say.
cmake -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$work/cmake" > /dev/null
"${mpiexec[@]}" -n 1 "$work/cmake/consumer"

# A consumer through pkg-config: PKG_CONFIG_PATH and the MPI compiler wrapper, as the docs say.
export PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name metasim.pc)")
mkdir -p "$work/pkgconfig"
# shellcheck disable=SC2046
mpicc -o "$work/pkgconfig/consumer" "$src/consumer.c" $(pkg-config --cflags --libs metasim)
"${mpiexec[@]}" -n 1 "$work/pkgconfig/consumer"
echo "install consumer: installed metasim, bench, invert, Python helper, find_package and pkg-config builds all ran"
