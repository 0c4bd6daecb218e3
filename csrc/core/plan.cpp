// placeholder: the plan runtime (helper A replaces this file)
