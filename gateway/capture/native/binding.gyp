# node-gyp build of edgeward's live capture addon (plain C over Node-API 8, linked with libpcap).
# Built by build.mjs (npm's install script and `npm run build:capture`); the output,
# build/Release/edgeward_pcap.node, is loaded by gateway/capture/pcap-binding.ts.
{
  "targets": [
    {
      "target_name": "edgeward_pcap",
      "sources": ["edgeward_pcap.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-pthread", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_c": ["-std=c11"],
      "ldflags": ["-pthread"],
      "libraries": ["-lpcap"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O2", "-std=c11"]
      }
    }
  ]
}
