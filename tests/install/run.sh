#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a small external program
# against it twice: through find_package(metasim) and through pkg-config.
set -euo pipefail
build=$1
work=$2
src=$(cd "$(dirname "$0")/consumer" && pwd)
rm -rf "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work.log" 2>&1 || { cat "$work.log"; exit 1; }

cmake -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/cmake" > /dev/null
mpiexec -n 1 --oversubscribe "$work/cmake/consumer"

pcdir=$(find "$work/prefix" -name metasim.pc -printf '%h')
export PKG_CONFIG_PATH="$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
mkdir -p "$work/pkgconfig"
# shellcheck disable=SC2046
mpicc -o "$work/pkgconfig/consumer" "$src/consumer.c" $(pkg-config --cflags --libs metasim) \
  -Wl,-rpath,"$(pkg-config --variable=libdir metasim)"
mpiexec -n 1 --oversubscribe "$work/pkgconfig/consumer"
echo "install consumer: find_package and pkg-config builds both ran"
