{
  "targets": [
    {
      "target_name": "sockdiag",
      "sources": ["native/sockdiag.c"],
      "cflags": ["-O2", "-Wall"]
    },
    {
      "target_name": "portui_files",
      "sources": ["native/files.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
