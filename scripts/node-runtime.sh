# The Node.js runtime the project builds, tests and ships with: the official binaries as the npm
# registry's node-linux-<arch> packages carry them, pinned by version and by the registry's integrity.
# Sourced by fetch-node.sh; change all three lines together.
NODE_RUNTIME_VERSION=24.22.3
NODE_RUNTIME_INTEGRITY_x64='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
NODE_RUNTIME_INTEGRITY_arm64='sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=='
