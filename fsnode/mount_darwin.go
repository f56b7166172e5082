package fsnode

// Finder writes AppleDouble "._*" files and probes com.apple.* attributes
// everywhere; macFUSE answers both itself with these options.
var platformMountOptions = []string{"noappledouble", "noapplexattr"}
