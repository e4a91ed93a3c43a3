/* Log levels, shared by the VMM log, the loader and its config file. */
#ifndef PILLBOX_VMM_LOG_LEVEL_H
#define PILLBOX_VMM_LOG_LEVEL_H

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

#endif
