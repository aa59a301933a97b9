// TypeBox, as the rest of the code imports it. Run from source (tests, type checks) this is the
// package itself; the build replaces the compiled file with the package bundled into one module
// (scripts/bundle-vendor.js), because loading its ~370 separate modules cost about 480 ms of CPU
// and 19 MB at every start, against about 30 ms and nothing noticeable bundled.
export * from 'typebox';
