// "Billion laughs" YAML for the hostile-input tests of every room that reads YAML.
#pragma once

#include <string>

namespace sluice::testing {

// `levels` anchors `<prefix>a0` .. `<prefix>a<levels-1>`, each a flow sequence of `fanout`
// aliases of the one before (the first of `fanout` copies of `leaf`): the last expands to
// fanout^levels scalars from a few hundred bytes.
inline std::string alias_bomb(int levels, int fanout, const std::string& prefix = "",
                              const std::string& leaf = "x") {
  std::string text = prefix + "a0: &a0 [";
  for (int k = 0; k < fanout; ++k) text += (k ? ", " : "") + leaf;
  text += "]\n";
  for (int i = 1; i < levels; ++i) {
    const std::string alias = "*a" + std::to_string(i - 1);
    text += prefix + "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < fanout; ++k) text += (k ? ", " : "") + alias;
    text += "]\n";
  }
  return text;
}

}  // namespace sluice::testing
