// The deer command-line program.
#include <CLI/CLI.hpp>
#include <Kokkos_Core.hpp>
#include <spdlog/spdlog.h>

#include <deer/info.hpp>

namespace {

int cmd_info() {
  const deer::BuildInfo b = deer::build_info();
  fmt::print("deer {}\n", b.deer_version);
  fmt::print("Kokkos {}\n", b.kokkos_version);
  fmt::print("build type: {}\n", b.build_type);
  fmt::print("execution spaces:\n");
  for (const auto& s : b.backends) fmt::print("  {:<8} concurrency {}\n", s.name, s.concurrency);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deer: parallel evaluation of sequential models (DEER)"};
  app.require_subcommand(1);
  auto* info = app.add_subcommand("info", "versions, backends and their concurrency");
  CLI11_PARSE(app, argc, argv);
  Kokkos::ScopeGuard kokkos(argc, argv);
  if (*info) return cmd_info();
  return 0;
}
