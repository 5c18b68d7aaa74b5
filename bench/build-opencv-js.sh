#!/usr/bin/env bash
# Builds opencv.js from Debian's OpenCV sources with Debian's Emscripten, with and without WASM SIMD,
# for bench/opencv-builds.bench.test.ts (no opencv.js on the npm registry has SIMD). Not a Loupe
# dependency: the output stays in the scratch folder. Takes about 5 minutes a build on 2 cores.
#
#   bash bench/build-opencv-js.sh [SCRATCH]        (default $TMPDIR/loupe-opencv-src)
#   LOUPE_BENCH_OPENCV_JS="opencv.js 4.6.0 SIMD=SCRATCH/build_simd/bin/opencv.js;opencv.js 4.6.0=SCRATCH/build_plain/bin/opencv.js" \
#     npx vitest run --config bench/vitest.config.ts bench/opencv-builds.bench.test.ts
#
# Needs root (apt) and Debian's package registry: emscripten, and the opencv and zlib source packages
# (a deb-src entry is added for them). Debian's sources are "dfsg": OpenCV's 3rdparty folder is
# gone, so zlib is compiled with emcc from Debian's zlib source and the other third-party parts
# (OpenJPEG, protobuf, quirc) are switched off; the modules are those Loupe's matcher uses (core,
# imgproc, features2d, calib3d with flann), through a whitelist trimmed from OpenCV's own.
set -euo pipefail
scratch="${1:-${TMPDIR:-/tmp}/loupe-opencv-src}"
mkdir -p "$scratch"
cd "$scratch"

export DEBIAN_FRONTEND=noninteractive
if ! command -v emcc >/dev/null 2>&1; then apt-get install -y -qq emscripten >/dev/null; fi
if [ ! -f /etc/apt/sources.list.d/loupe-deb-src.sources ]; then
  cat >/etc/apt/sources.list.d/loupe-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi
[ -d opencv-4.6.0 ] || { apt-get source --download-only opencv zlib >/dev/null; tar xf opencv_4.6.0+dfsg.orig.tar.xz; tar xf zlib_*.orig.tar.*; }

# Debian's emscripten runs its JS tools with the system node, whose module path lacks Debian's
# node-acorn.
export NODE_PATH=/usr/share/nodejs EMSCRIPTEN=/usr/share/emscripten

zsrc=$(ls -d zlib-*/ | head -1)
if [ ! -f zlib-em/lib/libz.a ]; then
  mkdir -p zlib-em/lib zlib-em/include zlib-em/obj
  [ -f "$zsrc/zconf.h" ] || cp "$zsrc/zconf.h.in" "$zsrc/zconf.h"
  for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees uncompr zutil; do
    emcc -O3 -DHAVE_UNISTD_H -c "$zsrc/$f.c" -o "zlib-em/obj/$f.o"
  done
  emar rcs zlib-em/lib/libz.a zlib-em/obj/*.o
  cp "$zsrc/zlib.h" "$zsrc/zconf.h" zlib-em/include/
fi

python3 - opencv-4.6.0/platforms/js/opencv_js.config.py loupe_js.config.py <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace("white_list = makeWhiteList([core, imgproc, objdetect, video, dnn, features2d, photo, aruco, calib3d])",
              "white_list = makeWhiteList([core, imgproc, features2d, calib3d])")
open(sys.argv[2], "w").write(s)
PY

opts=()
for o in BUILD_opencv_dnn=OFF BUILD_opencv_objdetect=OFF BUILD_opencv_video=OFF BUILD_opencv_photo=OFF \
  BUILD_ZLIB=OFF "ZLIB_INCLUDE_DIR=$scratch/zlib-em/include" "ZLIB_LIBRARY=$scratch/zlib-em/lib/libz.a" \
  WITH_OPENJPEG=OFF WITH_PROTOBUF=OFF BUILD_PROTOBUF=OFF WITH_QUIRC=OFF; do
  opts+=("--cmake_option=-D$o")
done
for variant in simd plain; do
  [ -f "build_$variant/bin/opencv.js" ] && continue
  flag=()
  [ "$variant" = simd ] && flag=(--simd)
  python3 opencv-4.6.0/platforms/js/build_js.py "$scratch/build_$variant" --build_wasm "${flag[@]}" \
    --emscripten_dir /usr/share/emscripten --config "$scratch/loupe_js.config.py" "${opts[@]}"
done
ls -la "$scratch"/build_*/bin/opencv.js
