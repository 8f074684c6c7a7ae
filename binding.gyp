{
  "targets": [
    {
      "target_name": "sockdiag",
      "sources": ["native/sockdiag.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
