;; Brute-force Hamming 2-nearest-neighbour search over binary descriptors (ORB, AKAZE), with
;; WebAssembly SIMD (i8x16.popcnt). Hand-written because it must be fast: the opencv.js builds on
;; the registry have no SIMD, and their BFMatcher.knnMatch was 40 % of a photo's matching time
;; (bench/BENCHMARKS.md, "opencv.js builds"). Compiled to src/engine/match/hamming-wasm.ts by
;; `npm run build:wasm` (scripts/build-hamming-wasm.mjs, wabt); a test checks the two agree.
;;
;; knn2(q, nq, t, nt, stride, out): for each of the nq query rows at q (stride bytes each, a
;; multiple of 16, at most 496: the u8 lanes sum at most 8 per 16-byte chunk), the nearest and
;; second-nearest of the nt train rows at t. out gets three i32 per query row: the nearest row's
;; index (-1 when nt is 0), its distance and the second distance (0x7fffffff when absent). Ties
;; keep the lower index as nearest, and a distance equal to the nearest becomes the second, as
;; OpenCV's batchDistance does for BFMatcher::knnMatch with k = 2.
;; knn2_32: the same for 32-byte rows (ORB), unrolled.
(module
  (memory (export "memory") 1)
  (func (export "knn2")
    (param $q i32) (param $nq i32) (param $t i32) (param $nt i32) (param $stride i32) (param $out i32)
    (local $i i32) (local $j i32) (local $k i32) (local $qrow i32) (local $trow i32)
    (local $acc v128) (local $s v128) (local $d i32) (local $best i32) (local $second i32) (local $bi i32)
    (block $qdone
      (loop $qloop
        (br_if $qdone (i32.ge_u (local.get $i) (local.get $nq)))
        (local.set $qrow (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $best (i32.const 0x7fffffff))
        (local.set $second (i32.const 0x7fffffff))
        (local.set $bi (i32.const -1))
        (local.set $j (i32.const 0))
        (local.set $trow (local.get $t))
        (block $tdone
          (loop $tloop
            (br_if $tdone (i32.ge_u (local.get $j) (local.get $nt)))
            (local.set $acc (v128.const i64x2 0 0))
            (local.set $k (i32.const 0))
            (block $cdone
              (loop $cloop
                (br_if $cdone (i32.ge_u (local.get $k) (local.get $stride)))
                (local.set $acc (i8x16.add (local.get $acc)
                  (i8x16.popcnt (v128.xor
                    (v128.load (i32.add (local.get $qrow) (local.get $k)))
                    (v128.load (i32.add (local.get $trow) (local.get $k)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $cloop)))
            (local.set $s (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc))))
            (local.set $d (i32.add
              (i32.add (i32x4.extract_lane 0 (local.get $s)) (i32x4.extract_lane 1 (local.get $s)))
              (i32.add (i32x4.extract_lane 2 (local.get $s)) (i32x4.extract_lane 3 (local.get $s)))))
            (if (i32.lt_s (local.get $d) (local.get $best))
              (then
                (local.set $second (local.get $best))
                (local.set $best (local.get $d))
                (local.set $bi (local.get $j)))
              (else
                (if (i32.lt_s (local.get $d) (local.get $second))
                  (then (local.set $second (local.get $d))))))
            (local.set $trow (i32.add (local.get $trow) (local.get $stride)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tloop)))
        (i32.store (local.get $out) (local.get $bi))
        (i32.store offset=4 (local.get $out) (local.get $best))
        (i32.store offset=8 (local.get $out) (local.get $second))
        (local.set $out (i32.add (local.get $out) (i32.const 12)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $qloop))))
  (func (export "knn2_32")
    (param $q i32) (param $nq i32) (param $t i32) (param $nt i32) (param $out i32)
    (local $i i32) (local $j i32) (local $qrow i32) (local $trow i32) (local $tend i32)
    (local $q0 v128) (local $q1 v128) (local $s v128) (local $d i32) (local $best i32) (local $second i32) (local $bi i32)
    (local.set $tend (i32.add (local.get $t) (i32.shl (local.get $nt) (i32.const 5))))
    (block $qdone
      (loop $qloop
        (br_if $qdone (i32.ge_u (local.get $i) (local.get $nq)))
        (local.set $qrow (i32.add (local.get $q) (i32.shl (local.get $i) (i32.const 5))))
        (local.set $q0 (v128.load (local.get $qrow)))
        (local.set $q1 (v128.load offset=16 (local.get $qrow)))
        (local.set $best (i32.const 0x7fffffff))
        (local.set $second (i32.const 0x7fffffff))
        (local.set $bi (i32.const -1))
        (local.set $trow (local.get $t))
        (block $tdone
          (loop $tloop
            (br_if $tdone (i32.ge_u (local.get $trow) (local.get $tend)))
            (local.set $s (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u
              (i8x16.add
                (i8x16.popcnt (v128.xor (local.get $q0) (v128.load (local.get $trow))))
                (i8x16.popcnt (v128.xor (local.get $q1) (v128.load offset=16 (local.get $trow))))))))
            (local.set $s (i32x4.add (local.get $s) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $s) (local.get $s))))
            (local.set $d (i32.add (i32x4.extract_lane 0 (local.get $s)) (i32x4.extract_lane 1 (local.get $s))))
            (if (i32.lt_s (local.get $d) (local.get $second))
              (then
                (if (i32.lt_s (local.get $d) (local.get $best))
                  (then
                    (local.set $second (local.get $best))
                    (local.set $best (local.get $d))
                    (local.set $bi (i32.shr_u (i32.sub (local.get $trow) (local.get $t)) (i32.const 5))))
                  (else (local.set $second (local.get $d))))))
            (local.set $trow (i32.add (local.get $trow) (i32.const 32)))
            (br $tloop)))
        (i32.store (local.get $out) (local.get $bi))
        (i32.store offset=4 (local.get $out) (local.get $best))
        (i32.store offset=8 (local.get $out) (local.get $second))
        (local.set $out (i32.add (local.get $out) (i32.const 12)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $qloop)))))
