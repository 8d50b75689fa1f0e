// The system registry (host side) and the list of built-in systems.
#include <deer/registry.hpp>

#include <mutex>
#include <sstream>

#include "registry_builtin.hpp"

namespace deer {

std::string to_toml(const ParamValue& v) {
  struct V {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(long i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      // The shortest of 15 or 17 significant digits that reads back as the same double.
      std::ostringstream s;
      s.precision(15);
      s << d;
      if (std::stod(s.str()) != d) {
        s.str("");
        s.precision(17);
        s << d;
      }
      std::string out = s.str();
      if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
      return out;
    }
    std::string operator()(const std::string& s) const {
      std::string out = "\"";
      for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      return out + "\"";
    }
    std::string operator()(const std::vector<double>& xs) const {
      std::string out = "[";
      for (size_t i = 0; i < xs.size(); ++i) out += (i ? ", " : "") + (*this)(xs[i]);
      return out + "]";
    }
  };
  return std::visit(V{}, v);
}

const char* type_name(const ParamValue& v) {
  switch (v.index()) {
    case 0: return "a boolean";
    case 1: return "an integer";
    case 2: return "a number";
    case 3: return "a string";
    default: return "an array of numbers";
  }
}

const ParamValue& ParamValues::at(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end())
    throw std::logic_error("system '" + owner + "' asked for parameter '" + name +
                           "' that its parameters() list does not declare");
  return it->second;
}
double ParamValues::real(const std::string& name) const {
  const auto& v = at(name);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<long>(&v)) return double(*i);
  throw std::invalid_argument(owner + ": parameter '" + name + "' must be a number");
}
long ParamValues::integer(const std::string& name) const {
  const auto& v = at(name);
  if (auto* i = std::get_if<long>(&v)) return *i;
  throw std::invalid_argument(owner + ": parameter '" + name + "' must be an integer");
}
int ParamValues::integer_in(const std::string& name, long lo, long hi) const {
  const long x = integer(name);
  if (x < lo || x > hi)
    throw std::invalid_argument("parameter '" + name + "' = " + std::to_string(x) + " of system '" + owner +
                                "' is outside " + std::to_string(lo) + ".." + std::to_string(hi) +
                                "; choose a value in that range");
  return int(x);
}
bool ParamValues::boolean(const std::string& name) const {
  const auto& v = at(name);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  throw std::invalid_argument(owner + ": parameter '" + name + "' must be true or false");
}
std::string ParamValues::string(const std::string& name) const {
  const auto& v = at(name);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw std::invalid_argument(owner + ": parameter '" + name + "' must be a string");
}
std::vector<double> ParamValues::list(const std::string& name) const {
  const auto& v = at(name);
  if (auto* l = std::get_if<std::vector<double>>(&v)) return *l;
  throw std::invalid_argument(owner + ": parameter '" + name + "' must be an array of numbers");
}

Registry& Registry::instance() {
  static Registry r;
  return r;
}

void Registry::add(SystemEntry e) {
  if (e.name.empty()) throw std::invalid_argument("deer::Registry::add: a system needs a name");
  if (!e.shape || !e.solve || !e.initial_state)
    throw std::invalid_argument("deer::Registry::add: system '" + e.name + "' lacks shape/solve/initial_state");
  if (entries_.count(e.name))
    throw std::invalid_argument("deer::Registry::add: a system named '" + e.name +
                                "' is already registered; give yours another name");
  const std::string name = e.name;
  entries_.emplace(name, std::move(e));
}

const SystemEntry& Registry::get(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::string names;
    for (const auto& kv : entries_) names += (names.empty() ? "" : ", ") + kv.first;
    throw std::invalid_argument("unknown system '" + name + "'; known systems: " + names + " (see `deer info`)");
  }
  return it->second;
}

std::vector<const SystemEntry*> Registry::list() const {
  std::vector<const SystemEntry*> v;
  for (const auto& kv : entries_) v.push_back(&kv.second);
  return v;
}

void register_builtin_systems() {
  static std::once_flag once;
  std::call_once(once, [] {
#define DEER_BUILTIN(name) builtin::register_##name();
    DEER_BUILTIN_SYSTEMS(DEER_BUILTIN)
#undef DEER_BUILTIN
  });
}

}  // namespace deer
