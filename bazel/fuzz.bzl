"""Fuzz targets for decoders of untrusted bytes.

    load("//bazel:fuzz.bzl", "wm_fuzz_target")

    wm_fuzz_target(
        name = "traffic_diagnostics_fuzzer",
        srcs = ["traffic_diagnostics_fuzzer.cc"],   # defines LLVMFuzzerTestOneInput
        deps = ["//libs/decoders:traffic_diagnostics"],
        corpus = glob(["corpus/traffic_diagnostics/*"]),
    )

creates two targets:
  - `<name>`: the libFuzzer binary (tagged manual). It needs clang:
    `scripts/fuzz.sh` builds it with `--config=fuzz` in its own output base.
  - `<name>_corpus_test`: a normal test that replays every corpus file, plus mutations of
    each, through the target with the regular toolchain, so `bazel test //...` catches a
    regression on any input that was once interesting.
"""

def wm_fuzz_target(name, srcs, deps = [], corpus = [], **kwargs):
    native.cc_binary(
        name = name,
        srcs = srcs,
        deps = deps,
        tags = ["manual", "fuzz"],
        **kwargs
    )
    native.cc_test(
        name = name + "_corpus_test",
        size = "small",
        srcs = srcs,
        deps = deps + ["//bazel:fuzz_replay_main"],
        data = corpus,
        args = ["$(location %s)" % f for f in corpus],
        **kwargs
    )
