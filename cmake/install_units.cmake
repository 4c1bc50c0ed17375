# install_units.cmake -- installs the systemd units (contrib/systemd/*) at
# `cmake --install` time, their ExecStart= naming the binary where this very
# install puts it: <prefix>/<bindir>/wormwatch, the prefix being the one given
# to `cmake --install --prefix` (or at configure time). The units in the
# source tree say /usr/bin/wormwatch, right for a prefix of /usr.
# Included by install(CODE) in CMakeLists.txt, which sets WW_UNITS (the unit
# files), WW_UNIT_DIR (WW_SYSTEMD_UNIT_DIR), WW_BINDIR (CMAKE_INSTALL_BINDIR)
# and WW_STAGE (a directory in the build tree for the rewritten units).
macro(ww_under_prefix out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}")
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
endmacro()
ww_under_prefix(dest "${WW_UNIT_DIR}")
ww_under_prefix(bin "${WW_BINDIR}")
file(MAKE_DIRECTORY "${WW_STAGE}")
set(staged "")
foreach(unit IN LISTS WW_UNITS)
  get_filename_component(name "${unit}" NAME)
  file(READ "${unit}" text)
  if(name MATCHES "\\.service$")
    if(NOT text MATCHES "\nExecStart=/usr/bin/wormwatch ")
      message(FATAL_ERROR "${unit}: no 'ExecStart=/usr/bin/wormwatch ' line to point at ${bin}")
    endif()
    string(REPLACE "\nExecStart=/usr/bin/wormwatch " "\nExecStart=${bin}/wormwatch " text "${text}")
  endif()
  file(WRITE "${WW_STAGE}/${name}" "${text}")
  list(APPEND staged "${WW_STAGE}/${name}")
endforeach()
file(INSTALL DESTINATION "${dest}" TYPE FILE FILES ${staged})
