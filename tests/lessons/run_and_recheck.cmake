# ctest -P script: quorumlab run --scenario SCENARIO --json --export OUT, then RECHECK OUT.
# Fails (with both programs' output) when the run exits non-zero or the recheck disagrees.
file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND "${QUORUMLAB}" run --scenario "${SCENARIO}" --json --export "${OUT}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "quorumlab run exited ${rc}")
endif()
execute_process(COMMAND "${RECHECK}" "${OUT}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the export of ${SCENARIO} does not agree with itself (export_recheck exited ${rc})")
endif()
file(REMOVE_RECURSE "${OUT}")
