// Case files (TOML via toml11): parsing with strict key/type checks, --set overrides,
// input generation and the resolved case as TOML. Reference: docs/case-files.md.
#include <deer/case.hpp>

#include <toml.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <deer/backends.hpp>
#include <deer/hdf5.hpp>

namespace deer {

namespace {

namespace fs = std::filesystem;
using TV = toml::value;

std::string where(const TV& v) {
  const auto loc = v.location();
  if (loc.file_name() == "unknown file" || loc.file_name().empty()) return "";
  return loc.file_name() + ":" + std::to_string(loc.line());
}

const char* toml_type(const TV& v) {
  switch (v.type()) {
    case toml::value_t::boolean: return "a boolean";
    case toml::value_t::integer: return "an integer";
    case toml::value_t::floating: return "a float";
    case toml::value_t::string: return "a string";
    case toml::value_t::array: return "an array";
    case toml::value_t::table: return "a table";
    default: return "a date/time";
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Reads the keys of one table, remembering which were asked for, so that every key the
// program never asks about is reported as unknown.
class Table {
 public:
  Table(const TV* t, std::string prefix, std::map<std::string, std::string>* locs)
      : t_(t), prefix_(std::move(prefix)), locs_(locs) {}

  std::string key(const std::string& k) const { return prefix_.empty() ? k : prefix_ + "." + k; }
  bool has(const std::string& k) {
    if (std::find(allowed_.begin(), allowed_.end(), k) == allowed_.end()) allowed_.push_back(k);
    return t_ && t_->contains(k);
  }
  const TV& at(const std::string& k) {
    const TV& v = t_->at(k);
    (*locs_)[key(k)] = where(v);
    return v;
  }
  [[noreturn]] void type_fail(const std::string& k, const std::string& expected) {
    const TV& v = at(k);
    throw CaseError(loc(v) + key(k) + " must be " + expected + ", got " + toml_type(v) + " (" + toml::format(v) +
                    "); fix its value");
  }
  static std::string loc(const TV& v) {
    const std::string w = where(v);
    return w.empty() ? "" : w + ": ";
  }

  double real(const std::string& k, double def) {
    if (!has(k)) return def;
    const TV& v = at(k);
    if (v.is_floating()) return v.as_floating();
    if (v.is_integer()) return double(v.as_integer());
    type_fail(k, "a number");
  }
  long integer(const std::string& k, long def) {
    if (!has(k)) return def;
    const TV& v = at(k);
    if (!v.is_integer()) type_fail(k, "an integer");
    return long(v.as_integer());
  }
  int integer_in(const std::string& k, long def, long lo, long hi) {
    const long x = integer(k, def);
    if (x < lo || x > hi)
      throw CaseError(loc(at(k)) + key(k) + " = " + std::to_string(x) + " is outside " + std::to_string(lo) + ".." +
                      std::to_string(hi) + "; choose a value in that range");
    return int(x);
  }
  bool boolean(const std::string& k, bool def) {
    if (!has(k)) return def;
    const TV& v = at(k);
    if (!v.is_boolean()) type_fail(k, "true or false");
    return v.as_boolean();
  }
  std::string string(const std::string& k, const std::string& def) {
    if (!has(k)) return def;
    const TV& v = at(k);
    if (!v.is_string()) type_fail(k, "a string (in quotes)");
    return v.as_string().str;
  }
  std::string choice(const std::string& k, const std::string& def, const std::vector<std::string>& options) {
    const std::string s = string(k, def);
    if (std::find(options.begin(), options.end(), s) == options.end())
      throw CaseError(loc(at(k)) + key(k) + " = \"" + s + "\" is not one of: " + join(options));
    return s;
  }
  std::vector<double> numbers(const std::string& k) {
    if (!has(k)) return {};
    const TV& v = at(k);
    if (!v.is_array()) type_fail(k, "an array of numbers");
    std::vector<double> out;
    for (const TV& x : v.as_array()) {
      if (x.is_floating()) out.push_back(x.as_floating());
      else if (x.is_integer()) out.push_back(double(x.as_integer()));
      else if (x.is_array()) {  // one level of nesting: rows of a matrix, flattened
        for (const TV& y : x.as_array()) {
          if (y.is_floating()) out.push_back(y.as_floating());
          else if (y.is_integer()) out.push_back(double(y.as_integer()));
          else type_fail(k, "an array of numbers (or of arrays of numbers)");
        }
      } else type_fail(k, "an array of numbers");
    }
    return out;
  }
  // A sub-table (absent: an empty reader); a non-table value is a type error.
  Table sub(const std::string& k) {
    if (!has(k)) return Table(nullptr, key(k), locs_);
    const TV& v = at(k);
    if (!v.is_table()) type_fail(k, "a table ([" + key(k) + "])");
    return Table(&v, key(k), locs_);
  }
  // Throws for the first key nobody asked about (in file order when toml11 knows it).
  void finish(const std::string& hint = "") {
    if (!t_) return;
    std::vector<std::pair<std::string, const TV*>> unknown;
    for (const auto& kv : t_->as_table())
      if (std::find(allowed_.begin(), allowed_.end(), kv.first) == allowed_.end())
        unknown.emplace_back(kv.first, &kv.second);
    if (unknown.empty()) return;
    std::sort(unknown.begin(), unknown.end(), [](const auto& a, const auto& b) {
      return a.second->location().line() < b.second->location().line();
    });
    const auto& u = unknown.front();
    throw CaseError(loc(*u.second) + "unknown key '" + key(u.first) + "'" +
                    (allowed_.empty() ? std::string(" (this table takes no keys)")
                                      : "; allowed here: " + join(allowed_)) +
                    (hint.empty() ? "" : " " + hint) + "; fix or remove it (see docs/case-files.md)");
  }
  bool present() const { return t_ != nullptr; }
  const TV* raw() const { return t_; }

 private:
  const TV* t_;
  std::string prefix_;
  std::map<std::string, std::string>* locs_;
  std::vector<std::string> allowed_;
};

// Parses "a.b.c=value" and stores value in the root table (creating tables on the way).
void apply_set(TV& root, const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw CaseError("--set '" + arg + "': expected KEY=VALUE, e.g. --set solver.method=sequential");
  const std::string key = arg.substr(0, eq), text = arg.substr(eq + 1);
  TV value;
  try {
    std::istringstream in("value = " + text);
    const TV t = toml::parse(in, "--set " + key);
    value = t.at("value");
  } catch (const std::exception&) {
    value = TV(text);  // a bare word: take it as a string
  }
  TV* cur = &root;
  size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw CaseError("--set '" + arg + "': empty component in key '" + key + "'");
    if (!cur->is_table())
      throw CaseError("--set '" + arg + "': '" + key.substr(0, start ? start - 1 : 0) + "' is not a table");
    auto& table = cur->as_table();
    if (dot == std::string::npos) {
      table[part] = value;
      return;
    }
    if (!table.count(part)) table[part] = TV(toml::table{});
    cur = &table[part];
    start = dot + 1;
  }
}

bool same_type(const ParamValue& def, const TV& v) {
  switch (def.index()) {
    case 0: return v.is_boolean();
    case 1: return v.is_integer();
    case 2: return v.is_floating() || v.is_integer();
    case 3: return v.is_string();
    default: return v.is_array();
  }
}

std::string fmt_double(double x) { return to_toml(ParamValue(x)); }

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

}  // namespace

Case load_case(const std::string& path, const std::vector<std::string>& sets) {
  {
    std::ifstream probe(path);
    if (!probe)
      throw CaseError("cannot read the case file '" + path + "' (" + (fs::exists(path) ? "permission denied" : "no such file") +
                      "); check the path (example cases are in data/cases/)");
  }
  TV root;
  try {
    root = toml::parse(path);
  } catch (const toml::syntax_error& e) {
    throw CaseError("malformed TOML in '" + path + "':\n" + e.what() +
                    "\nfix the syntax at the marked place (https://toml.io has the rules)");
  } catch (const std::exception& e) {
    throw CaseError("cannot parse the case file '" + path + "': " + e.what());
  }
  for (const auto& s : sets) apply_set(root, s);

  Case c;
  c.source = path;
  std::map<std::string, std::string> locs;
  Table top(&root, "", &locs);
  c.title = top.string("title", "");
  c.backend = top.string("backend", "");
  c.precision = top.choice("precision", "float64", {"float64", "float32"});
  c.batch = top.integer_in("batch", 1, 1, 1L << 30);

  // [system]
  if (!root.contains("system"))
    throw CaseError(path + ": missing table [system]; add [system] with name = \"<system>\" (`deer info` lists them)");
  Table sys = top.sub("system");
  if (!sys.has("name"))
    throw CaseError(Table::loc(root.at("system")) + "missing key system.name; add name = \"<system>\" (`deer info` lists them)");
  c.system = sys.string("name", "");
  register_builtin_systems();
  const auto& reg = Registry::instance();
  if (!reg.contains(c.system)) {
    std::vector<std::string> names;
    for (const auto* e : reg.list()) names.push_back(e->name);
    throw CaseError(Table::loc(root.at("system").at("name")) + "unknown system '" + c.system +
                    "'; known systems: " + join(names) + " (see `deer info`)");
  }
  const SystemEntry& entry = reg.get(c.system);
  c.y0 = sys.numbers("y0");
  c.params.owner = c.system;
  Table params = sys.sub("parameters");
  for (const auto& spec : entry.parameters) {
    c.params.values[spec.name] = spec.default_value;
    if (!params.has(spec.name)) continue;
    const TV& v = params.at(spec.name);
    if (!same_type(spec.default_value, v))
      throw CaseError(Table::loc(v) + "system.parameters." + spec.name + " must be " +
                      std::string(type_name(spec.default_value)) + " (default " + to_toml(spec.default_value) +
                      "), got " + toml_type(v) + " (" + toml::format(v) + ")");
    ParamValue& out = c.params.values[spec.name];
    switch (spec.default_value.index()) {
      case 0: out = v.as_boolean(); break;
      case 1: out = long(v.as_integer()); break;
      case 2: out = v.is_integer() ? double(v.as_integer()) : v.as_floating(); break;
      case 3: out = v.as_string().str; break;
      default: out = params.numbers(spec.name); break;
    }
  }
  {
    params.finish("(the parameters of system '" + c.system + "')");
  }
  sys.finish();

  // [time]
  Table time = top.sub("time");
  if (time.has("t0")) c.t0 = time.real("t0", 0.0);
  if (time.has("t1")) c.t1 = time.real("t1", -1.0);
  if (time.has("dt")) c.dt = time.real("dt", -1.0);
  if (time.has("steps")) c.steps = time.integer_in("steps", -1, 1, (1L << 31) - 1);
  time.finish();
  if (entry.kind == SystemKind::rnn) {
    for (const char* k : {"t0", "t1", "dt"})
      if (time.present() && time.raw()->contains(k))
        throw CaseError(Table::loc(time.raw()->at(k)) + "time." + k + " does not apply to the RNN system '" + c.system +
                        "' (its time is the step index); give only time.steps");
  }

  // [inputs]
  Table in = top.sub("inputs");
  CaseInputs& ci = c.inputs;
  ci.kind = in.choice("kind", "zeros", {"zeros", "sine", "noise", "file"});
  if (ci.kind == "sine") {
    ci.amplitude = in.real("amplitude", ci.amplitude);
    ci.frequency = in.real("frequency", ci.frequency);
    ci.phase = in.real("phase", ci.phase);
    ci.feature_shift = in.real("feature_shift", ci.feature_shift);
  } else if (ci.kind == "noise") {
    ci.mean = in.real("mean", ci.mean);
    ci.std = in.real("std", ci.std);
    ci.seed = in.integer("seed", ci.seed);
    if (ci.std < 0) throw CaseError(Table::loc(in.at("std")) + "inputs.std must be >= 0");
  } else if (ci.kind == "file") {
    if (!in.has("path"))
      throw CaseError(Table::loc(in.at("kind")) + "inputs.kind = \"file\" needs inputs.path (a .csv or .h5 file)");
    ci.path = in.string("path", "");
    ci.dataset = in.string("dataset", "");
    // Relative input paths are relative to the case file's directory.
    if (!ci.path.empty() && fs::path(ci.path).is_relative())
      ci.path = (fs::path(path).parent_path() / ci.path).lexically_normal().string();
  }
  in.finish("(for inputs.kind = \"" + ci.kind + "\")");

  // [solver]
  Table so = top.sub("solver");
  CaseSolver& cs = c.solver;
  cs.method = so.choice("method", cs.method, {"deer", "quasi_deer", "damped_deer", "picard", "sequential", "auto"});
  cs.atol = so.real("atol", cs.atol);
  cs.rtol = so.real("rtol", cs.rtol);
  cs.max_iterations = so.integer_in("max_iterations", cs.max_iterations, 1, 1000000);
  cs.fallback = so.boolean("fallback", cs.fallback);
  cs.initial_guess = so.choice("initial_guess", cs.initial_guess, {"auto", "one_step", "y0", "zeros"});
  cs.guess_run = so.integer_in("guess_run", cs.guess_run, 0, 1L << 30);
  cs.non_finite = so.choice("non_finite", cs.non_finite, {"substitute", "stop"});
  cs.chunk = so.integer_in("chunk", cs.chunk, 0, 1L << 30);
  cs.scan = so.choice("scan", cs.scan, {"auto", "chunked", "one_pass"});
  cs.batch_chunk = so.integer_in("batch_chunk", cs.batch_chunk, 0, 1L << 30);
  cs.window = so.integer_in("window", cs.window, 0, 1L << 30);
  so.finish();

  // [output]
  Table out = top.sub("output");
  c.output_path = out.string("path", "");
  c.output_every = out.integer_in("every", 1, 1, 1L << 30);
  out.finish();

  // [validate]
  Table va = top.sub("validate");
  CaseValidate& cv = c.validate;
  const bool f32 = c.precision == "float32";
  cv.atol = va.real("atol", f32 ? 1e-3 : 1e-6);
  cv.rtol = va.real("rtol", f32 ? 1e-3 : 1e-6);
  cv.reference_atol = va.real("reference_atol", cv.reference_atol);
  cv.reference_rtol = va.real("reference_rtol", cv.reference_rtol);
  cv.sundials_atol = va.real("sundials_atol", cv.sundials_atol);
  cv.sundials_rtol = va.real("sundials_rtol", cv.sundials_rtol);
  va.finish();

  top.finish();

  if (c.backend.empty()) c.backend = backend_name<Kokkos::DefaultExecutionSpace>();
  if (c.output_path.empty()) c.output_path = fs::path(path).stem().string() + ".h5";
  return c;
}

namespace {

// Rows of numbers from a CSV file (comma, semicolon or whitespace separated; a first
// line that does not parse as numbers is a header; '#' starts a comment line).
std::vector<std::vector<double>> read_csv(const std::string& path) {
  std::ifstream f(path);
  if (!f)
    throw CaseError("cannot open the input file '" + path + "' (inputs.path): " +
                    (fs::exists(path) ? "permission denied" : "no such file") +
                    "; check the path (relative paths are relative to the case file)");
  std::vector<std::vector<double>> rows;
  std::string line;
  int lineno = 0;
  bool header_seen = false;
  while (std::getline(f, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    for (char& ch : line)
      if (ch == ',' || ch == ';' || ch == '\t' || ch == '\r') ch = ' ';
    std::istringstream ls(line);
    std::vector<double> row;
    std::string tok;
    bool bad = false;
    while (ls >> tok) {
      char* end = nullptr;
      const double x = std::strtod(tok.c_str(), &end);
      if (end == tok.c_str() || *end) {
        bad = true;
        break;
      }
      row.push_back(x);
    }
    if (bad) {
      if (rows.empty() && !header_seen) {  // the first non-comment line may be a header
        header_seen = true;
        continue;
      }
      throw CaseError(path + ":" + std::to_string(lineno) + ": not a number in the input file; every row needs the m features of one step");
    }
    if (!row.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

Problem make_problem(const Case& c) {
  register_builtin_systems();
  const SystemEntry& entry = Registry::instance().get(c.system);
  Problem p;
  p.params = c.params;
  p.batch = c.batch;
  p.case_dir = fs::path(c.source).parent_path().string();
  try {
    p.shape = entry.shape(c.params);
  } catch (const CaseError&) {
    throw;
  } catch (const std::exception& e) {
    throw CaseError(c.source + ": system.parameters: " + e.what());
  }
  const int n = p.shape.n, m = p.shape.m;
  const bool ode = entry.kind == SystemKind::ode;

  // Input data from a file first: it may define the number of steps.
  std::vector<double> filedata;
  std::vector<size_t> fileshape;  // (rows, features) or (batch, rows, features)
  if (c.inputs.kind == "file") {
    if (m == 0)
      throw CaseError(c.source + ": system '" + c.system + "' takes no inputs; remove the [inputs] table");
    const std::string& path = c.inputs.path;
    const std::string ext = fs::path(path).extension().string();
    if (!fs::exists(path))
      throw CaseError(c.source + ": the input file '" + path + "' (inputs.path) does not exist; check the path "
                      "(relative paths are relative to the case file)");
    if (ext == ".csv" || ext == ".txt") {
      if (!c.inputs.dataset.empty())
        throw CaseError(c.source + ": inputs.dataset applies to HDF5 input files only; remove it for '" + path + "'");
      const auto rows = read_csv(path);
      for (size_t r = 0; r < rows.size(); ++r) {
        if (int(rows[r].size()) != m)
          throw CaseError("dimension mismatch: row " + std::to_string(r + 1) + " of '" + path + "' has " +
                          std::to_string(rows[r].size()) + " values but system '" + c.system + "' takes m = " +
                          std::to_string(m) + " inputs per step; give m columns");
        filedata.insert(filedata.end(), rows[r].begin(), rows[r].end());
      }
      fileshape = {rows.size(), size_t(m)};
    } else if (ext == ".h5" || ext == ".hdf5" || ext == ".he5") {
      if (c.inputs.dataset.empty())
        throw CaseError(c.source + ": inputs.dataset is required for the HDF5 input file '" + path +
                        "'; name the dataset, e.g. dataset = \"/inputs/value\"");
      Tensor t;
      try {
        t = read_tensor(path, c.inputs.dataset);
      } catch (const std::exception& e) {
        throw CaseError(std::string("cannot read the inputs: ") + e.what());
      }
      fileshape = t.shape;
      if (fileshape.size() == 1 && m == 1) fileshape = {fileshape[0], 1};
      if (fileshape.size() < 2 || fileshape.size() > 3 || int(fileshape.back()) != m)
        throw CaseError("dimension mismatch: dataset '" + c.inputs.dataset + "' in '" + path + "' has shape " +
                        shape_string(t.shape) + " but system '" + c.system + "' takes m = " + std::to_string(m) +
                        " inputs per step; expected (T, " + std::to_string(m) + ") or (batch, T, " + std::to_string(m) + ")");
      filedata = std::move(t.data);
    } else {
      throw CaseError(c.source + ": inputs.path '" + path + "' must end in .csv, .txt, .h5 or .hdf5 (the format is taken from the extension)");
    }
    if (fileshape.size() == 3 && int(fileshape[0]) != c.batch)
      throw CaseError("dimension mismatch: the input dataset has batch " + std::to_string(fileshape[0]) + " but the case has batch = " +
                      std::to_string(c.batch) + "; set batch = " + std::to_string(fileshape[0]) + " or give (T, m) data");
  }
  const size_t file_steps = fileshape.empty() ? 0 : fileshape[fileshape.size() - 2];

  // Time grid.
  TimeGrid& g = p.time;
  if (!ode) {
    g.t0 = 0;
    g.dt = 1;
    g.steps = c.steps > 0 ? c.steps : int(file_steps);
    if (g.steps <= 0)
      throw CaseError(c.source + ": missing key time.steps (the sequence length); add [time] steps = 1000");
    g.t1 = g.steps;
  } else {
    g.t0 = c.t0;
    const bool has_t1 = c.t1 != -1.0, has_dt = c.dt != -1.0, has_steps = c.steps > 0;
    if (has_dt && !(c.dt > 0)) throw CaseError(c.source + ": time.dt must be > 0");
    if (has_t1 && !(c.t1 > c.t0)) throw CaseError(c.source + ": time.t1 must be greater than time.t0");
    if (has_steps && has_t1 && has_dt)
      throw CaseError(c.source + ": time has t1, dt and steps; give two of them (t1 and steps, or t1 and dt, or dt and steps)");
    if (has_steps && has_t1) {
      g.steps = c.steps;
      g.t1 = c.t1;
      g.dt = (c.t1 - c.t0) / c.steps;
    } else if (has_t1 && has_dt) {
      const double k = (c.t1 - c.t0) / c.dt;
      g.steps = int(std::llround(k));
      if (g.steps < 1 || std::fabs(k - g.steps) > 1e-9 * std::max(1.0, k))
        throw CaseError(c.source + ": (t1 - t0) / dt = " + fmt_double(k) + " is not a whole number of steps; adjust dt or t1, or give steps");
      g.t1 = c.t1;
      g.dt = (c.t1 - c.t0) / g.steps;
    } else if (has_steps && has_dt) {
      g.steps = c.steps;
      g.dt = c.dt;
      g.t1 = c.t0 + c.dt * c.steps;
    } else if (file_steps > 1 && (has_t1 || has_dt)) {
      g.steps = int(file_steps) - 1;
      if (has_t1) {
        g.t1 = c.t1;
        g.dt = (c.t1 - c.t0) / g.steps;
      } else {
        g.dt = c.dt;
        g.t1 = c.t0 + c.dt * g.steps;
      }
    } else {
      throw CaseError(c.source + ": the time grid of ODE system '" + c.system +
                      "' needs two of time.t1, time.dt, time.steps (e.g. [time] t1 = 10.0, steps = 1000)");
    }
  }
  p.input_steps = ode ? g.steps + 1 : g.steps;
  const size_t Ti = size_t(p.input_steps);

  // Inputs (batch, Ti, m).
  p.inputs.assign(size_t(c.batch) * Ti * m, 0.0);
  if (m > 0) {
    if (c.inputs.kind == "sine") {
      for (int b = 0; b < c.batch; ++b)
        for (size_t i = 0; i < Ti; ++i) {
          // RNN step i is time i+1 (y_i follows x_i); ODE sample i is at grid time i.
          const double t = ode ? g.time(int(i)) : double(i + 1);
          for (int j = 0; j < m; ++j)
            p.inputs[(b * Ti + i) * m + j] =
                c.inputs.amplitude * std::sin(2 * M_PI * c.inputs.frequency * t + c.inputs.phase + j * c.inputs.feature_shift);
        }
    } else if (c.inputs.kind == "noise") {
      // Box-Muller on mt19937_64's raw output (which the C++ standard fixes), so the same
      // seed gives the same inputs with every standard library (std::normal_distribution
      // differs between them).
      std::mt19937_64 rng(static_cast<unsigned long>(c.inputs.seed));
      auto uniform = [&] { return (double(rng() >> 11) + 0.5) * 0x1.0p-53; };  // in (0, 1)
      for (size_t k = 0; k < p.inputs.size(); k += 2) {
        const double r = std::sqrt(-2.0 * std::log(uniform())), a = 2 * M_PI * uniform();
        p.inputs[k] = c.inputs.mean + c.inputs.std * r * std::cos(a);
        if (k + 1 < p.inputs.size()) p.inputs[k + 1] = c.inputs.mean + c.inputs.std * r * std::sin(a);
      }
    } else if (c.inputs.kind == "file") {
      const size_t rows = file_steps;
      if (rows != Ti)
        throw CaseError("dimension mismatch: the input data in '" + c.inputs.path + "' has " + std::to_string(rows) +
                        " steps but the time grid needs " + std::to_string(Ti) +
                        (ode ? " samples (steps + 1: the signal at every grid point)" : " (time.steps)") +
                        "; fix time.steps or the data");
      for (int b = 0; b < c.batch; ++b) {
        const size_t src = fileshape.size() == 3 ? size_t(b) * Ti * m : 0;  // (T, m) data: same for every batch
        std::copy_n(filedata.begin() + long(src), Ti * m, p.inputs.begin() + long(size_t(b) * Ti * m));
      }
    }
    for (size_t k = 0; k < p.inputs.size(); ++k)
      if (!std::isfinite(p.inputs[k])) {
        const size_t b = k / (Ti * m), i = (k / m) % Ti, j = k % m;
        throw CaseError("the inputs contain " + std::string(std::isnan(p.inputs[k]) ? "NaN" : "Inf") + " at batch " +
                        std::to_string(b) + ", step " + std::to_string(i) + ", feature " + std::to_string(j) +
                        (c.inputs.kind == "file" ? " (from '" + c.inputs.path + "')" : std::string()) +
                        "; clean the input data (replace or drop non-finite values)");
      }
  } else if (c.inputs.kind != "zeros") {
    throw CaseError(c.source + ": system '" + c.system + "' takes no inputs but inputs.kind = \"" + c.inputs.kind +
                    "\"; remove the [inputs] table");
  }

  // Initial states (batch, n).
  std::vector<double> y0 = c.y0;
  if (y0.empty()) {
    y0 = entry.initial_state(c.params, n);
    if (int(y0.size()) != n)
      throw std::logic_error("system '" + c.system + "': initial_state() returned " + std::to_string(y0.size()) +
                             " values for state size " + std::to_string(n));
  }
  if (int(y0.size()) == n) {
    p.y0.resize(size_t(c.batch) * n);
    for (int b = 0; b < c.batch; ++b) std::copy(y0.begin(), y0.end(), p.y0.begin() + long(b) * n);
  } else if (y0.size() == size_t(c.batch) * n) {
    p.y0 = y0;
  } else {
    throw CaseError("dimension mismatch: system.y0 has " + std::to_string(y0.size()) + " values but system '" +
                    c.system + "' has state size n = " + std::to_string(n) + " (batch = " + std::to_string(c.batch) +
                    "); give n values, or batch rows of n values");
  }
  for (double v : p.y0)
    if (!std::isfinite(v)) throw CaseError(c.source + ": system.y0 contains NaN or Inf; give finite initial states");
  return p;
}

Options solver_options(const Case& c) {
  Options o;
  o.method = method_from_string(c.solver.method);
  o.atol = c.solver.atol;
  o.rtol = c.solver.rtol;
  o.max_iterations = c.solver.max_iterations;
  o.fallback = c.solver.fallback;
  o.initial_guess = c.solver.initial_guess == "zeros"      ? InitialGuess::zeros
                    : c.solver.initial_guess == "y0"       ? InitialGuess::broadcast_y0
                    : c.solver.initial_guess == "one_step" ? InitialGuess::one_step
                                                           : InitialGuess::automatic;
  o.guess_run = c.solver.guess_run;
  o.non_finite = c.solver.non_finite == "stop" ? NonFinitePolicy::stop : NonFinitePolicy::substitute;
  o.chunk = c.solver.chunk;
  o.scan = c.solver.scan == "chunked"    ? ScanAlgorithm::chunked
           : c.solver.scan == "one_pass" ? ScanAlgorithm::one_pass
                                         : ScanAlgorithm::automatic;
  o.window = c.solver.window;
  return o;
}

std::string to_toml(const Case& c, const Problem* p) {
  std::ostringstream s;
  const bool f32 = c.precision == "float32";
  s << "# resolved by deer from " << c.source << "\n";
  if (!c.title.empty()) s << "title = " << quote(c.title) << "\n";
  s << "backend = " << quote(c.backend) << "\n";
  s << "precision = " << quote(c.precision) << "\n";
  s << "batch = " << c.batch << "\n\n";
  s << "[system]\nname = " << quote(c.system) << "\n";
  if (!c.y0.empty()) s << "y0 = " << to_toml(ParamValue(c.y0)) << "\n";
  s << "\n[system.parameters]\n";
  for (const auto& kv : c.params.values) s << kv.first << " = " << to_toml(kv.second) << "\n";
  s << "\n[time]\n";
  if (p) {
    if (Registry::instance().get(c.system).kind == SystemKind::ode)
      s << "t0 = " << fmt_double(p->time.t0) << "\nt1 = " << fmt_double(p->time.t1) << "\n";
    s << "steps = " << p->time.steps << "\n";
  } else {
    if (c.t1 != -1.0) s << "t0 = " << fmt_double(c.t0) << "\nt1 = " << fmt_double(c.t1) << "\n";
    if (c.dt != -1.0) s << "dt = " << fmt_double(c.dt) << "\n";
    if (c.steps > 0) s << "steps = " << c.steps << "\n";
  }
  s << "\n[inputs]\nkind = " << quote(c.inputs.kind) << "\n";
  if (c.inputs.kind == "sine")
    s << "amplitude = " << fmt_double(c.inputs.amplitude) << "\nfrequency = " << fmt_double(c.inputs.frequency)
      << "\nphase = " << fmt_double(c.inputs.phase) << "\nfeature_shift = " << fmt_double(c.inputs.feature_shift) << "\n";
  if (c.inputs.kind == "noise")
    s << "mean = " << fmt_double(c.inputs.mean) << "\nstd = " << fmt_double(c.inputs.std) << "\nseed = " << c.inputs.seed
      << "\n";
  if (c.inputs.kind == "file") {
    s << "path = " << quote(c.inputs.path) << "\n";
    if (!c.inputs.dataset.empty()) s << "dataset = " << quote(c.inputs.dataset) << "\n";
  }
  const Options o = solver_options(c);
  s << "\n[solver]\nmethod = " << quote(c.solver.method) << "\n";
  s << "atol = " << fmt_double(f32 ? o.atol_for<float>() : o.atol_for<double>()) << "\n";
  s << "rtol = " << fmt_double(f32 ? o.rtol_for<float>() : o.rtol_for<double>()) << "\n";
  s << "max_iterations = " << c.solver.max_iterations << "\nfallback = " << (c.solver.fallback ? "true" : "false")
    << "\ninitial_guess = " << quote(c.solver.initial_guess) << "\nguess_run = " << c.solver.guess_run
    << "\nnon_finite = " << quote(c.solver.non_finite)
    << "\nchunk = " << c.solver.chunk << "\nscan = " << quote(c.solver.scan) << "\nbatch_chunk = " << c.solver.batch_chunk
    << "\nwindow = " << c.solver.window << "\n";
  s << "\n[output]\npath = " << quote(c.output_path) << "\nevery = " << c.output_every << "\n";
  s << "\n[validate]\natol = " << fmt_double(c.validate.atol) << "\nrtol = " << fmt_double(c.validate.rtol)
    << "\nreference_atol = " << fmt_double(c.validate.reference_atol)
    << "\nreference_rtol = " << fmt_double(c.validate.reference_rtol)
    << "\nsundials_atol = " << fmt_double(c.validate.sundials_atol)
    << "\nsundials_rtol = " << fmt_double(c.validate.sundials_rtol) << "\n";
  return s.str();
}

}  // namespace deer
