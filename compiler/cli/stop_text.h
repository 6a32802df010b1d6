// `smolc run --stop STRING`: generated text is shown up to, not including,
// the first occurrence of any stop string. Text that could be the start of a
// stop string is held back until the next piece decides it.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

namespace smolc::cli {

class StopText {
 public:
  explicit StopText(std::vector<std::string> stops) : stops_(std::move(stops)) {
    for (const std::string& s : stops_) hold_ = std::max(hold_, s.empty() ? size_t{0} : s.size() - 1);
  }

  // Appends a generated piece; returns the text that may be shown now.
  std::string push(const std::string& piece) {
    if (hit_) return "";
    text_ += piece;
    size_t cut = std::string::npos;
    for (const std::string& s : stops_) {
      if (s.empty()) continue;
      const size_t at = text_.find(s, shown_ > s.size() ? shown_ - s.size() : 0);
      if (at != std::string::npos) cut = std::min(cut, at);
    }
    if (cut != std::string::npos) {
      hit_ = true;
      return take(cut);
    }
    return take(text_.size() > hold_ ? text_.size() - hold_ : shown_);
  }
  // The held-back rest once generation has ended without a stop string.
  std::string flush() { return hit_ ? "" : take(text_.size()); }
  bool hit() const { return hit_; }
  // Everything shown, the answer as the user saw it.
  std::string shown() const { return text_.substr(0, shown_); }

 private:
  std::string take(size_t upto) {
    if (upto <= shown_) return "";
    std::string out = text_.substr(shown_, upto - shown_);
    shown_ = upto;
    return out;
  }
  std::vector<std::string> stops_;
  size_t hold_ = 0, shown_ = 0;
  std::string text_;
  bool hit_ = false;
};

}  // namespace smolc::cli
