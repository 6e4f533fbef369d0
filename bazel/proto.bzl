"""C++ code generation for .proto files with Debian's protoc and grpc_cpp_plugin.

Bazel 4 has no offline gRPC rule, so this file provides one:

    load("//bazel:proto.bzl", "wm_cc_proto_library")

    wm_cc_proto_library(
        name = "events_cc_proto",
        srcs = ["events.proto"],
        deps = ["//protos/wm/v1:diagnostics_cc_proto"],  # libraries of imported .proto files
        grpc = True,                                     # also generate service stubs
    )

Imports are written from the workspace root (`import "protos/wm/v1/diagnostics.proto";`) and
C++ includes likewise (`#include "protos/wm/v1/events.grpc.pb.h"`). Well-known types
(google/protobuf/*.proto) resolve through the system protoc's own include directory.
"""

WmProtoInfo = provider(
    doc = "Transitive .proto sources and the import roots protoc needs to find them.",
    fields = ["sources", "import_roots"],
)

def _import_root(f):
    # Main-workspace sources resolve from the exec root ("."); external ones from their repo.
    root = f.root.path
    if f.owner.workspace_root:
        root = (root + "/" if root else "") + f.owner.workspace_root
    return root if root else "."

def _relative_to_root(f):
    root = _import_root(f)
    return f.path if root == "." else f.path[len(root) + 1:]

def _proto_gen_impl(ctx):
    sources = depset(ctx.files.srcs, transitive = [d[WmProtoInfo].sources for d in ctx.attr.deps])
    roots = depset(
        [_import_root(f) for f in ctx.files.srcs],
        transitive = [d[WmProtoInfo].import_roots for d in ctx.attr.deps],
    )
    pkg = ctx.label.package
    outs = []
    for src in ctx.files.srcs:
        rel = _relative_to_root(src)
        if not rel.startswith(pkg + "/") and pkg:
            fail("%s must live under package %s (or use a wrapper package)" % (rel, pkg))
        stem = rel[len(pkg) + 1 if pkg else 0:-len(".proto")]
        exts = [".pb.h", ".pb.cc"] + ([".grpc.pb.h", ".grpc.pb.cc"] if ctx.attr.grpc else [])
        outs += [ctx.actions.declare_file(stem + e) for e in exts]

    out_root = ctx.bin_dir.path
    if ctx.label.workspace_root:
        out_root += "/" + ctx.label.workspace_root
    args = ctx.actions.args()
    args.add_all(roots, format_each = "-I%s")
    args.add("--cpp_out=" + out_root)
    tools = []
    if ctx.attr.grpc:
        args.add("--grpc_out=" + out_root)
        args.add("--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin")
    args.add_all([_relative_to_root(f) for f in ctx.files.srcs])
    ctx.actions.run(
        executable = "/usr/bin/protoc",
        arguments = [args],
        inputs = sources,
        outputs = outs,
        mnemonic = "WmProtoc",
        progress_message = "Generating C++ for %s" % ctx.label,
    )
    return [
        DefaultInfo(files = depset(outs)),
        OutputGroupInfo(
            headers = depset([f for f in outs if f.path.endswith(".h")]),
            sources = depset([f for f in outs if f.path.endswith(".cc")]),
        ),
        WmProtoInfo(sources = sources, import_roots = roots),
    ]

_proto_gen = rule(
    implementation = _proto_gen_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"], mandatory = True),
        "deps": attr.label_list(providers = [WmProtoInfo]),
        "grpc": attr.bool(default = False),
    },
)

def wm_cc_proto_library(name, srcs, deps = [], grpc = False, visibility = None, **kwargs):
    """Generates C++ (and optionally gRPC) code for `srcs`; `deps` are other wm_cc_proto_library targets."""
    # From an external repository's BUILD file (e.g. @grpc_proto) the runtime lives in ours.
    system = "//third_party/system" if native.repository_name() == "@" else "@wm_backend//third_party/system"
    _proto_gen(
        name = name + "_gen",
        srcs = srcs,
        deps = [d + "_gen" for d in deps],
        grpc = grpc,
        visibility = visibility,
    )
    native.filegroup(name = name + "_hdrs", srcs = [name + "_gen"], output_group = "headers")
    native.filegroup(name = name + "_ccs", srcs = [name + "_gen"], output_group = "sources")
    native.cc_library(
        name = name,
        srcs = [":" + name + "_ccs"],
        hdrs = [":" + name + "_hdrs"],
        deps = deps + [system + ":protobuf"] + ([system + ":grpc++"] if grpc else []),
        visibility = visibility,
        **kwargs
    )
