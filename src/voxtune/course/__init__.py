"""Lesson audio for language courses: a course file → audio per item and lesson, word timings, subtitles, QA.

``build_course`` is the whole job (``voxtune course``); ``load_course`` reads and checks a course file.
"""

from voxtune.course.build import CourseBuild, build_course
from voxtune.course.spec import Course, CourseError, load_course

__all__ = ["Course", "CourseBuild", "CourseError", "build_course", "load_course"]
